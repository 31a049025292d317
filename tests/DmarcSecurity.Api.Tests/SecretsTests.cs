using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DmarcSecurity.Api.ApiKeys;
using DmarcSecurity.Api.Audit;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests;

/// <summary>No password, access token, refresh token or API key ever reaches the logs or the audit trail.</summary>
public abstract class SecretsTests(ApiFixture fixture)
{
    /// <summary>Overrides the categories appsettings.json quiets (ASP.NET Core, EF Core) as well as the default.</summary>
    internal static readonly KeyValuePair<string, string>[] TraceEverything =
    [
        new("Logging:LogLevel:Default", "Trace"),
        new("Logging:LogLevel:Microsoft", "Trace"),
        new("Logging:LogLevel:Microsoft.AspNetCore", "Trace"),
        new("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Trace"),
    ];

    [Fact]
    public async Task No_password_token_or_key_of_a_whole_session_reaches_the_logs_or_the_audit_trail()
    {
        var email = $"secrets-{Guid.NewGuid():N}@secrets.example";
        var secrets = new Dictionary<string, string>
        {
            ["the Admin's password"] = ApiFixture.AdminPassword,
            ["the Admin's API key"] = fixture.AdminApiKey,
            ["the first password"] = $"first-{Guid.NewGuid():N}",
            ["the new password"] = $"second-{Guid.NewGuid():N}",
            ["a wrong password"] = $"wrong-{Guid.NewGuid():N}",
            ["an unknown API key"] = ApiKeyService.KeyPrefix + TokenService.NewSecret(),
        };

        // An Admin creates the user with a password of its own.
        using var create = await fixture.Client.PostAsJsonAsync(
            "/api/users", new CreateUserRequest(email, "Keeper of secrets", UserRole.Analyst, secrets["the first password"]), Upload.Json);
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        var user = (await ReadAsync<UserWithPassword>(create)).User;

        // The user signs in and renews the tokens once.
        var signedIn = await fixture.LoginAsync(email, secrets["the first password"]);
        AddTokens(secrets, "sign-in", signedIn);
        using var refresh = await PostAnonymousAsync("/api/auth/refresh", new RefreshRequest(signedIn.RefreshToken));
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        var renewed = await ReadAsync<TokenResponse>(refresh);
        AddTokens(secrets, "refresh", renewed);
        using var bearer = fixture.WithBearer(renewed.AccessToken);

        // The user makes an API key and uses it; somebody tries a key that does not exist.
        secrets["the user's API key"] = await ApiFixture.CreateApiKeyAsync(bearer, "secrets-key");
        using (var keyClient = fixture.WithApiKey(secrets["the user's API key"]))
        using (var reports = await keyClient.GetAsync("/api/reports"))
        using (var upload = await keyClient.PostAsync("/api/ingest/files", Upload.Content(("r.xml", ReportXml.Build(Guid.NewGuid().ToString("N"))))))
        {
            Assert.Equal(HttpStatusCode.OK, reports.StatusCode);
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        using (var unknownKeyClient = fixture.WithApiKey(secrets["an unknown API key"]))
        using (var refused = await unknownKeyClient.PostAsync("/api/ingest/files", Upload.Content(("r.xml", ReportXml.Build(Guid.NewGuid().ToString("N"))))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // A wrong password, then a password change; the token from before the change is refused.
        using var failed = await PostAnonymousAsync("/api/auth/login", new LoginRequest(email, secrets["a wrong password"]));
        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        using var change = await bearer.PostAsJsonAsync(
            "/api/auth/change-password", new ChangePasswordRequest(secrets["the first password"], secrets["the new password"]), Upload.Json);
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        using var stale = await bearer.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest("after-change", null, null, null), Upload.Json);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);

        // Signs in with the new password and logs out; the rotated and the logged-out refresh tokens are replayed.
        var again = await fixture.LoginAsync(email, secrets["the new password"]);
        AddTokens(secrets, "second sign-in", again);
        using (var againBearer = fixture.WithBearer(again.AccessToken))
        using (var logout = await againBearer.PostAsJsonAsync("/api/auth/logout", new RefreshRequest(again.RefreshToken), Upload.Json))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        using var replayRotated = await PostAnonymousAsync("/api/auth/refresh", new RefreshRequest(signedIn.RefreshToken));
        using var replayLoggedOut = await PostAnonymousAsync("/api/auth/refresh", new RefreshRequest(again.RefreshToken));
        Assert.Equal(HttpStatusCode.Unauthorized, replayRotated.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayLoggedOut.StatusCode);

        var logs = fixture.Logs.All;
        var storedAudit = await ReadEveryAuditColumnAsync();
        var servedAudit = await ReadWholeAuditTrailAsync();

        // The checks below can fail: at Trace the logs saw every request that carried a secret, the refusals of the bad
        // key and the stale token, and the SQL that stores token hashes; the audit trail names the user.
        Assert.NotEmpty(fixture.Logs.Lines);
        Assert.All(
            ["/api/users", "/api/auth/login", "/api/auth/refresh", "/api/api-keys", "/api/ingest/files", "/api/auth/change-password", "/api/auth/logout"],
            path => Assert.Contains($"Request starting HTTP/1.1 POST http://localhost{path} ", logs, StringComparison.Ordinal));
        Assert.Contains("ApiKey was not authenticated. Failure message: The API key is unknown", logs, StringComparison.Ordinal);
        Assert.Contains("Bearer was not authenticated. Failure message: The token's user is disabled or its access changed", logs, StringComparison.Ordinal);
        Assert.True(Regex.IsMatch(logs, "INSERT INTO \"?refresh_tokens\"? "), "the SQL that stores refresh-token hashes is not in the logs");
        Assert.Contains($"user_id={user.Id}\t", storedAudit, StringComparison.Ordinal);
        Assert.Contains(email, storedAudit, StringComparison.Ordinal);
        Assert.Contains(email, servedAudit, StringComparison.Ordinal);
        Assert.Contains(AuthService.RefreshReuseAction, storedAudit, StringComparison.Ordinal);
        Assert.Contains("POST /api/auth/change-password", servedAudit, StringComparison.Ordinal);
        Assert.Equal(13, secrets.Count);
        Assert.Empty(Leaked(secrets, logs));
        Assert.Empty(Leaked(secrets, storedAudit));
        Assert.Empty(Leaked(secrets, servedAudit));
    }

    /// <summary>The names of the secrets found in <paramref name="text"/> (names, so a failure does not print the secrets).</summary>
    private static string[] Leaked(Dictionary<string, string> secrets, string text) =>
        secrets.Where(s => text.Contains(s.Value, StringComparison.Ordinal)).Select(s => s.Key).ToArray();

    private static void AddTokens(Dictionary<string, string> secrets, string from, TokenResponse tokens)
    {
        secrets[$"the access token from the {from}"] = tokens.AccessToken;
        secrets[$"the refresh token from the {from}"] = tokens.RefreshToken;
    }

    /// <summary>Every column of every audit row, read straight from the table rather than through the entity mapping.</summary>
    private async Task<string> ReadEveryAuditColumnAsync()
    {
        var contexts = fixture.Factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT * FROM audit_entries";
        await using var reader = await command.ExecuteReaderAsync();
        var text = new StringBuilder();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
            for (var column = 0; column < reader.FieldCount; column++)
            {
                text.Append(reader.GetName(column)).Append('=')
                    .Append(Convert.ToString(reader.GetValue(column), CultureInfo.InvariantCulture)).Append('\t');
            }

            text.Append('\n');
        }

        Assert.True(reader.FieldCount >= 11, $"audit_entries has {reader.FieldCount} columns");
        Assert.True(rows > 10, $"only {rows} audit rows");
        return text.ToString();
    }

    /// <summary>Every page of GET /api/audit, as served.</summary>
    private async Task<string> ReadWholeAuditTrailAsync()
    {
        var text = new StringBuilder();
        for (var page = 1; ; page++)
        {
            using var response = await fixture.Client.GetAsync($"/api/audit?page={page}&pageSize={PageRequest.MaxPageSize}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            text.Append(body).Append('\n');
            var result = JsonSerializer.Deserialize<PagedResult<AuditEntryDto>>(body, Upload.Json)!;
            if ((long)page * PageRequest.MaxPageSize >= result.TotalCount)
            {
                return text.ToString();
            }
        }
    }

    private async Task<HttpResponseMessage> PostAnonymousAsync<T>(string url, T body)
    {
        using var client = fixture.Anonymous();
        return await client.PostAsJsonAsync(url, body, Upload.Json);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        JsonSerializer.Deserialize<T>(await response.Content.ReadAsStringAsync(), Upload.Json)
        ?? throw new InvalidOperationException($"The response had no {typeof(T).Name}.");
}

/// <summary>The Api with every log category at Trace, so a secret written at any level is caught.</summary>
public sealed class TraceLoggingPostgreSqlApiFixture : ApiFixture
{
    public override DbProvider Provider => DbProvider.PostgreSql;

    protected override IEnumerable<KeyValuePair<string, string>> Settings => SecretsTests.TraceEverything;
}

/// <summary>The Api with every log category at Trace, so a secret written at any level is caught.</summary>
public sealed class TraceLoggingSqliteApiFixture : ApiFixture
{
    public override DbProvider Provider => DbProvider.Sqlite;

    protected override IEnumerable<KeyValuePair<string, string>> Settings => SecretsTests.TraceEverything;
}

[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlSecretsTests(TraceLoggingPostgreSqlApiFixture fixture) : SecretsTests(fixture), IClassFixture<TraceLoggingPostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class SqliteSecretsTests(TraceLoggingSqliteApiFixture fixture) : SecretsTests(fixture), IClassFixture<TraceLoggingSqliteApiFixture>;
