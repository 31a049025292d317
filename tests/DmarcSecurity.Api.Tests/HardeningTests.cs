using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Api.ApiKeys;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Api.Tests;

/// <summary>What a penetration test found: keys that outlived a password, unbounded or out-of-range input answered with
/// 500, 409 or silently stored, hostile policy domains, and multipart bodies that broke the upload.</summary>
public abstract class HardeningTests(ApiFixture fixture)
{
    [Fact]
    public async Task A_password_change_revokes_the_users_api_keys_unless_asked_to_keep_them()
    {
        var (user, password) = await NewUserAsync("pw-change");
        using var signedIn = await fixture.SignInAsync(user.Email, password);
        var key = await ApiFixture.CreateApiKeyAsync(signedIn, "before the change");

        using var change = await signedIn.PostAsJsonAsync("/api/auth/change-password", new ChangePasswordRequest(password, "second-passphrase-42"), Upload.Json);
        using var withOldKey = await fixture.WithApiKey(key).GetAsync("/api/auth/me");
        using var again = await fixture.SignInAsync(user.Email, "second-passphrase-42");
        var kept = await ApiFixture.CreateApiKeyAsync(again, "kept through the change");
        using var keepChange = await again.PostAsJsonAsync(
            "/api/auth/change-password", new ChangePasswordRequest("second-passphrase-42", "third-passphrase-42", KeepApiKeys: true), Upload.Json);
        using var withKeptKey = await fixture.WithApiKey(kept).GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withOldKey.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, keepChange.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKeptKey.StatusCode);
        var keys = await Upload.GetAsync<List<ApiKeyDto>>(fixture.Client, $"/api/api-keys?userId={user.Id}");
        Assert.Equal(RevokeReasons.PasswordChanged, keys.Single(k => k.Name == "before the change").RevokedReason);
        Assert.Null(keys.Single(k => k.Name == "kept through the change").RevokedAt);
    }

    [Fact]
    public async Task An_admin_password_reset_revokes_the_users_api_keys()
    {
        var (user, password) = await NewUserAsync("pw-reset");
        using var signedIn = await fixture.SignInAsync(user.Email, password);
        var key = await ApiFixture.CreateApiKeyAsync(signedIn, "before the reset");

        using var reset = await fixture.Client.PostAsJsonAsync($"/api/users/{user.Id}/reset-password", new ResetPasswordRequest(null), Upload.Json);
        using var withKey = await fixture.WithApiKey(key).GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withKey.StatusCode);
    }

    [Fact]
    public async Task Re_enabling_a_disabled_user_does_not_bring_their_api_keys_back()
    {
        var (user, password) = await NewUserAsync("re-enable");
        using var signedIn = await fixture.SignInAsync(user.Email, password);
        var key = await ApiFixture.CreateApiKeyAsync(signedIn, "before disabling");

        using var disable = await fixture.Client.PostAsync($"/api/users/{user.Id}/disable", null);
        using var enable = await fixture.Client.PostAsync($"/api/users/{user.Id}/enable", null);
        using var withKey = await fixture.WithApiKey(key).GetAsync("/api/auth/me");
        using var signedInAgain = await fixture.SignInAsync(user.Email, password);
        using var asUser = await signedInAgain.GetAsync("/api/auth/me");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (disable.StatusCode, enable.StatusCode));
        Assert.Equal(HttpStatusCode.Unauthorized, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asUser.StatusCode);
        var keys = await Upload.GetAsync<List<ApiKeyDto>>(fixture.Client, $"/api/api-keys?userId={user.Id}");
        Assert.Equal(RevokeReasons.UserDisabled, Assert.Single(keys).RevokedReason);
    }

    [Fact]
    public async Task A_user_holds_at_most_the_configured_number_of_active_keys()
    {
        var (user, password) = await NewUserAsync("key-cap");
        using var signedIn = await fixture.SignInAsync(user.Email, password);
        var ids = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            using var created = await signedIn.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest($"key {i}", null, null, null), Upload.Json);
            ids.Add((await created.Content.ReadFromJsonAsync<CreatedApiKey>(Upload.Json))!.ApiKey.Id);
        }

        using var eleventh = await signedIn.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest("one too many", null, null, null), Upload.Json);
        using var revoke = await signedIn.DeleteAsync($"/api/api-keys/{ids[0]}");
        using var afterRevoking = await signedIn.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest("in its place", null, null, null), Upload.Json);

        Assert.Equal(HttpStatusCode.Conflict, eleventh.StatusCode);
        Assert.Contains("at most 10 active keys", await eleventh.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterRevoking.StatusCode);
    }

    public static TheoryData<string, string, string> OutOfRangeEnums => new()
    {
        { "POST", "/api/api-keys", """{"name":"k","role":-1}""" },
        { "PUT", "/api/users/{id}/role", """{"role":5}""" },
        { "PUT", "/api/users/{id}/role", """{"role":"5"}""" },
        { "POST", "/api/users", """{"email":"enum-99@hardening.example","role":99}""" },
        { "POST", "/api/users", """{"email":"enum-flags@hardening.example","role":"Viewer, Admin"}""" },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeEnums))]
    public async Task Enum_values_out_of_range_are_a_bad_request_with_problem_details(string method, string path, string body)
    {
        var (user, _) = await NewUserAsync("enum-target");
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var users = await Upload.GetAsync<PagedResult<UserDto>>(fixture.Client, "/api/users?pageSize=200");
        Assert.Equal(UserRole.Analyst, users.Items.Single(u => u.Id == user.Id).Role);
        Assert.DoesNotContain(users.Items, u => u.Email is "enum-99@hardening.example" or "enum-flags@hardening.example");
    }

    [Theory]
    [InlineData("\u202Egnp.exe")]
    [InlineData("name\u2066hidden\u2069")]
    [InlineData("line\nbreak")]
    [InlineData("bell\a")]
    public async Task Key_names_with_control_or_bidirectional_override_characters_are_refused(string name)
    {
        using var response = await fixture.Client.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest(name, null, null, null), Upload.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("name", (await ErrorsAsync(response)).Keys);
    }

    [Fact]
    public async Task A_display_name_longer_than_100_characters_is_refused_not_stored()
    {
        var email = $"long-name-{Guid.NewGuid():N}@hardening.example";

        using var response = await fixture.Client.PostAsJsonAsync(
            "/api/users", new CreateUserRequest(email, new string('x', 100_000), UserRole.Viewer, null), Upload.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("displayName", (await ErrorsAsync(response)).Keys);
        var users = await Upload.GetAsync<PagedResult<UserDto>>(fixture.Client, "/api/users?pageSize=200");
        Assert.DoesNotContain(users.Items, u => u.Email == email);
    }

    [Theory]
    [InlineData("minMessages", -1.0)]
    [InlineData("ratio", 1e308)]
    [InlineData("minIncrease", 1.5)]
    [InlineData("minBaselineDays", 2.5)]
    public async Task Alert_thresholds_outside_their_range_are_refused(string threshold, double value)
    {
        await Seed.SiloRulesAsync(fixture);
        using var response = await fixture.Client.PutAsJsonAsync(
            "/api/alert-rules/domain.failure-spike", new { thresholds = new Dictionary<string, double> { [threshold] = value } }, Upload.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"thresholds.{threshold}", (await ErrorsAsync(response)).Keys);
        var rule = await Upload.GetAsync<JsonElement>(fixture.Client, "/api/alert-rules/domain.failure-spike");
        Assert.NotEqual(value, rule.GetProperty("thresholds").GetProperty(threshold).GetDouble());
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("::/0")]
    [InlineData("128.0.0.0/1")]
    public async Task Allowlisting_a_large_part_of_the_internet_needs_an_explicit_confirmation(string network)
    {
        using var refused = await fixture.Client.PostAsJsonAsync("/api/allowlist", new { network, reason = "test" }, Upload.Json);
        using var confirmed = await fixture.Client.PostAsJsonAsync("/api/allowlist", new { network, reason = "test", confirmBroad = true }, Upload.Json);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("confirmBroad", (await ErrorsAsync(refused))["network"].Single());
        Assert.Equal(HttpStatusCode.Created, confirmed.StatusCode);
        var id = (await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var _ = await fixture.Client.DeleteAsync($"/api/allowlist/{id}");
    }

    [Theory]
    [InlineData("&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("javascript:alert(1)")]
    [InlineData("example.com/../../etc")]
    public async Task Reports_whose_policy_domain_is_not_a_domain_name_are_rejected_with_a_reason(string domain)
    {
        var hostile = ReportXml.Build($"hostile-domain-{Guid.NewGuid():N}", domain: domain);
        var fine = ReportXml.Build($"fine-domain-{Guid.NewGuid():N}", domain: "Example.ORG.");

        var response = await Upload.FilesAsync(fixture.Client, ("hostile.xml", hostile), ("fine.xml", fine));

        var rejected = response.Files.Single(f => f.FileName == "hostile.xml");
        Assert.Equal((FileOutcome.Rejected, RejectionReason.InvalidPolicyDomain), (rejected.Outcome, rejected.Reason));
        Assert.Contains("is not a domain name", rejected.Error);
        Assert.Equal(FileOutcome.Stored, response.Files.Single(f => f.FileName == "fine.xml").Outcome);
    }

    [Fact]
    public async Task A_truncated_multipart_body_is_a_bad_request()
    {
        const string boundary = "cut-off-boundary";
        var body = $"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.xml\"\r\nContent-Type: text/xml\r\n\r\n<feedback>";
        using var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");

        using var response = await fixture.Client.PostAsync("/api/ingest/files", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("multipart body cannot be read", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_multipart_boundary_over_70_characters_is_a_bad_request()
    {
        var boundary = new string('b', 200);
        using var content = new StringContent($"--{boundary}\r\n\r\n--{boundary}--\r\n");
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");

        using var response = await fixture.Client.PostAsync("/api/ingest/files", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/reports?domain=x'%20OR%20'1'='1", HttpStatusCode.OK)]
    [InlineData("/api/reports?reporter=%27%3B%20DROP%20TABLE%20reports%3B--", HttpStatusCode.OK)]
    [InlineData("/api/reports?sort=id%3B%20DROP%20TABLE%20reports", HttpStatusCode.BadRequest)]
    [InlineData("/api/records?sourceIp=192.0.2.1'%20OR%201%3D1--", HttpStatusCode.BadRequest)]
    [InlineData("/api/stats/summary?domain=%22)%20UNION%20SELECT%20*%20FROM%20users--", HttpStatusCode.OK)]
    [InlineData("/api/sources/192.0.2.1';--", HttpStatusCode.BadRequest)]
    public async Task Injection_in_filters_sorts_and_paths_is_data_or_a_bad_request_never_sql(string url, HttpStatusCode expected)
    {
        await Upload.FilesAsync(fixture.Client, ("kept.xml", ReportXml.Build($"kept-{Guid.NewGuid():N}", domain: "injection.example")));
        var before = await Upload.GetAsync<PagedResult<JsonElement>>(fixture.Client, "/api/reports?domain=injection.example");

        using var response = await fixture.Client.GetAsync(url);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.DoesNotContain("injection.example", await response.Content.ReadAsStringAsync());
        }

        var after = await Upload.GetAsync<PagedResult<JsonElement>>(fixture.Client, "/api/reports?domain=injection.example");
        Assert.Equal(before.TotalCount, after.TotalCount);
    }

    private async Task<(UserDto User, string Password)> NewUserAsync(string purpose)
    {
        var password = $"pw-{Guid.NewGuid():N}";
        var user = await fixture.CreateUserAsync($"{purpose}-{Guid.NewGuid():N}@hardening.example", UserRole.Analyst, password);
        return (user, password);
    }

    private static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlHardeningTests(PostgreSqlApiFixture fixture) : HardeningTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class SqliteHardeningTests(SqliteApiFixture fixture) : HardeningTests(fixture), IClassFixture<SqliteApiFixture>;
