using System.Net;
using System.Text;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Identity;

namespace DmarcSecurity.Api.Tests;

/// <summary>Every endpoint times every kind of caller: anonymous, a signed-in Viewer, Analyst and Admin, an API key of
/// each role, and an Admin's key lowered to Viewer. Each must get 401, 403, or through to the handler.</summary>
public abstract class RbacMatrixTests(ApiFixture fixture) : IAsyncLifetime
{
    /// <summary>Who may call what. null: anyone signed in (any role). A new endpoint must be added here, or the test fails.</summary>
    private static readonly Dictionary<string, UserRole?> s_minimumRole = new()
    {
        ["POST /api/auth/logout"] = null,
        ["GET /api/auth/me"] = null,
        ["POST /api/auth/change-password"] = null,
        ["GET /api/api-keys"] = UserRole.Viewer,
        ["POST /api/api-keys"] = UserRole.Viewer,
        ["DELETE /api/api-keys/{id:long}"] = UserRole.Viewer,
        ["GET /api/reports"] = UserRole.Viewer,
        ["GET /api/reports/{id:long}"] = UserRole.Viewer,
        ["GET /api/reports/{id:long}/xml"] = UserRole.Viewer,
        ["GET /api/report-conflicts"] = UserRole.Viewer,
        ["GET /api/report-conflicts/{id:long}"] = UserRole.Viewer,
        ["GET /api/tls-reports"] = UserRole.Viewer,
        ["GET /api/tls-reports/{id:long}"] = UserRole.Viewer,
        ["GET /api/failure-reports"] = UserRole.Viewer,
        ["GET /api/failure-reports/{id:long}"] = UserRole.Viewer,
        ["GET /api/tls-reports/summary"] = UserRole.Viewer,
        ["GET /api/records"] = UserRole.Viewer,
        ["GET /api/exports/reports.csv"] = UserRole.Viewer,
        ["GET /api/exports/records.csv"] = UserRole.Viewer,
        ["GET /api/exports/sources.csv"] = UserRole.Viewer,
        ["GET /api/exports/domains/{domain}/summary.pdf"] = UserRole.Viewer,
        ["GET /api/exports/domains/{domain}/senders.csv"] = UserRole.Viewer,
        ["GET /api/stats/summary"] = UserRole.Viewer,
        ["GET /api/stats/extent"] = UserRole.Viewer,
        ["GET /api/stats/timeline"] = UserRole.Viewer,
        ["GET /api/stats/domains"] = UserRole.Viewer,
        ["GET /api/stats/sources"] = UserRole.Viewer,
        ["GET /api/stats/dashboard"] = UserRole.Viewer,
        ["GET /api/stats/alignment"] = UserRole.Viewer,
        ["GET /api/stats/reporters"] = UserRole.Viewer,
        ["GET /api/stats/countries"] = UserRole.Viewer,
        ["POST /api/ingest/files"] = UserRole.Analyst,
        ["POST /api/ingest/ids"] = UserRole.Analyst,
        ["GET /api/ingest/ids"] = UserRole.Viewer,
        ["POST /api/anomaly/run"] = UserRole.Admin,
        ["GET /api/domains/{domain}/forecast"] = UserRole.Viewer,
        ["POST /api/models/severity/train"] = UserRole.Admin,
        ["GET /api/jobs"] = UserRole.Admin,
        ["POST /api/notifications/digest"] = UserRole.Admin,
        ["GET /api/jobs/{name}/runs"] = UserRole.Admin,
        ["POST /api/jobs/{name}/run"] = UserRole.Admin,
        ["GET /api/models/severity"] = UserRole.Admin,
        ["POST /api/models/severity/{version:int}/activate"] = UserRole.Admin,
        ["POST /api/models/severity/{version:int}/decides"] = UserRole.Admin,
        ["GET /api/models/severity/predictions"] = UserRole.Admin,
        ["GET /api/ingestion/history"] = UserRole.Viewer,
        ["GET /api/ingestion/history/{id:long}"] = UserRole.Viewer,
        ["GET /api/mailboxes"] = UserRole.Admin,
        ["GET /api/mailboxes/{name}"] = UserRole.Admin,
        ["POST /api/mailboxes"] = UserRole.Admin,
        ["PUT /api/mailboxes/{name}"] = UserRole.Admin,
        ["DELETE /api/mailboxes/{name}"] = UserRole.Admin,
        ["POST /api/mailboxes/{name}/test"] = UserRole.Admin,
        ["GET /api/users"] = UserRole.Admin,
        ["POST /api/users"] = UserRole.Admin,
        ["PUT /api/users/{id:long}/role"] = UserRole.Admin,
        ["POST /api/users/{id:long}/disable"] = UserRole.Admin,
        ["POST /api/users/{id:long}/enable"] = UserRole.Admin,
        ["POST /api/users/{id:long}/reset-password"] = UserRole.Admin,
        ["GET /api/audit"] = UserRole.Admin,
        ["GET /api/alerts"] = UserRole.Viewer,
        ["GET /api/alerts/{id:long}"] = UserRole.Viewer,
        ["POST /api/alerts/{id:long}/acknowledge"] = UserRole.Analyst,
        ["POST /api/alerts/{id:long}/resolve"] = UserRole.Analyst,
        ["GET /api/alert-rules"] = UserRole.Viewer,
        ["GET /api/alert-rules/{key}"] = UserRole.Viewer,
        ["PUT /api/alert-rules/{key}"] = UserRole.Admin,
        ["GET /api/suppressions"] = UserRole.Viewer,
        ["GET /api/suppressions/{id:long}"] = UserRole.Viewer,
        ["POST /api/suppressions"] = UserRole.Analyst,
        ["PUT /api/suppressions/{id:long}"] = UserRole.Analyst,
        ["DELETE /api/suppressions/{id:long}"] = UserRole.Analyst,
        ["GET /api/decisions"] = UserRole.Viewer,
        ["GET /api/decisions/{id:guid}"] = UserRole.Viewer,
        ["POST /api/decisions"] = UserRole.Analyst,
        ["POST /api/decisions/{id:guid}/approve"] = UserRole.Analyst,
        ["POST /api/decisions/{id:guid}/dismiss"] = UserRole.Analyst,
        ["GET /api/allowlist"] = UserRole.Viewer,
        ["POST /api/allowlist"] = UserRole.Admin,
        ["DELETE /api/allowlist/{id:long}"] = UserRole.Admin,
        ["GET /api/domains"] = UserRole.Viewer,
        ["GET /api/domains/{domain}"] = UserRole.Viewer,
        ["GET /api/domains/{domain}/senders"] = UserRole.Viewer,
        ["GET /api/domains/{domain}/posture"] = UserRole.Viewer,
        ["GET /api/domains/{domain}/posture/history"] = UserRole.Viewer,
        ["POST /api/domains/{domain}/posture/check"] = UserRole.Analyst,
        ["PUT /api/domains/{domain}/authorised-services/{service}"] = UserRole.Analyst,
        ["DELETE /api/domains/{domain}/authorised-services/{service}"] = UserRole.Analyst,
        ["GET /api/sources"] = UserRole.Viewer,
        ["GET /api/sources/{ip}"] = UserRole.Viewer,
        ["GET /api/enrichment/status"] = UserRole.Viewer,
        ["GET /api/silo/status"] = UserRole.Viewer,
        ["GET /api/bouncers"] = UserRole.Admin,
        ["POST /api/bouncers"] = UserRole.Admin,
        ["DELETE /api/bouncers/{id:long}"] = UserRole.Admin,
        ["GET /api/notifications/channels"] = UserRole.Admin,
        ["GET /api/notifications/channels/{name}"] = UserRole.Admin,
        ["POST /api/notifications/channels"] = UserRole.Admin,
        ["PUT /api/notifications/channels/{name}"] = UserRole.Admin,
        ["DELETE /api/notifications/channels/{name}"] = UserRole.Admin,
        ["POST /api/notifications/channels/{name}/test"] = UserRole.Admin,
        ["GET /api/notifications/deliveries"] = UserRole.Admin,
    };

    /// <summary>Endpoints for firewall bouncers only: every user, with any role and either scheme, is refused.</summary>
    private static readonly HashSet<string> s_bouncerOnly = ["GET /v1/decisions/stream", "GET /v1/decisions"];

    private readonly List<(string Name, UserRole? Role, HttpClient Client)> _callers = [];

    public async Task InitializeAsync()
    {
        _callers.Add(("anonymous", null, fixture.Anonymous()));
        var suffix = Guid.NewGuid().ToString("N")[..8];
        foreach (var role in Enum.GetValues<UserRole>())
        {
            var email = $"{role.ToString().ToLowerInvariant()}-{suffix}@rbac.example";
            await fixture.CreateUserAsync(email, role, "matrix-password-" + suffix);
            var bearer = await fixture.SignInAsync(email, "matrix-password-" + suffix);
            _callers.Add(($"{role} (token)", role, bearer));
            _callers.Add(($"{role} (API key)", role, fixture.WithApiKey(await ApiFixture.CreateApiKeyAsync(bearer, "matrix"))));
        }

        _callers.Add(("Admin's key lowered to Viewer", UserRole.Viewer,
            fixture.WithApiKey(await ApiFixture.CreateApiKeyAsync(fixture.Client, "lowered", UserRole.Viewer))));
    }

    public Task DisposeAsync()
    {
        foreach (var (_, _, client) in _callers)
        {
            client.Dispose();
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Every_endpoint_answers_every_caller_as_its_policy_says()
    {
        var failures = new List<string>();
        var checkedPairs = 0;
        foreach (var (method, endpoint) in EndpointPolicyTests.Endpoints(fixture.Factory.Services))
        {
            var key = EndpointPolicyTests.Key(method, endpoint);
            var anonymousEndpoint = EndpointPolicyTests.AnonymousEndpoints.Contains(key);
            var bouncerOnly = s_bouncerOnly.Contains(key);
            if (!anonymousEndpoint && !bouncerOnly && !s_minimumRole.ContainsKey(key))
            {
                failures.Add($"{key}: not in the matrix; add its expected role");
                continue;
            }

            var url = Url(endpoint.RoutePattern.RawText!);
            foreach (var (name, role, client) in _callers)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), url);
                if (method is "POST" or "PUT")
                {
                    // An empty body of the kind the endpoint accepts: handlers answer 400 or 404 after authorization,
                    // and nothing changes.
                    var accepts = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>();
                    request.Content = accepts?.ContentTypes.Contains("multipart/form-data") == true
                        ? new MultipartFormDataContent()
                        : new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request);
                var status = response.StatusCode;
                var expected = anonymousEndpoint ? "through"
                    : role is null || bouncerOnly ? "401"
                    : s_minimumRole[key] is { } minimum && role < minimum ? "403"
                    : "through";
                var actual = status switch
                {
                    HttpStatusCode.Unauthorized => "401",
                    HttpStatusCode.Forbidden => "403",
                    _ => "through",
                };
                checkedPairs++;
                if (actual != expected)
                {
                    failures.Add($"{key} as {name}: expected {expected}, got {(int)status}");
                }
            }
        }

        Assert.Empty(failures);
        Assert.True(checkedPairs >= (s_minimumRole.Count + s_bouncerOnly.Count) * _callers.Count);
    }

    /// <summary>Fills route parameters with values that exist nowhere, so handlers answer 404 instead of changing data.
    /// A Guid route gets a fresh Guid: a number would not match its constraint, and routing, not the policy, would answer.</summary>
    private static string Url(string pattern) => System.Text.RegularExpressions.Regex
        .Replace(pattern, @"\{(\w+)(:[^}]*)?\}", m => m.Groups[2].Value.Contains("guid", StringComparison.OrdinalIgnoreCase)
            ? Guid.NewGuid().ToString()
            : "987654321");
}

[Trait("Provider", "PostgreSql")]
public sealed class RbacMatrixPostgreSqlTests(PostgreSqlApiFixture fixture) : RbacMatrixTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class RbacMatrixSqliteTests(SqliteApiFixture fixture) : RbacMatrixTests(fixture), IClassFixture<SqliteApiFixture>;
