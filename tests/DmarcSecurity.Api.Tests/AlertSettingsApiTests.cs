using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Api.Alerts;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Reports;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Tests;

/// <summary>Alert rules and suppressions, over the rules the silo seeds.</summary>
public abstract class AlertSettingsApiTests(ApiFixture fixture) : IAsyncLifetime
{
    private HttpClient Client => fixture.Client;

    public Task InitializeAsync() => Seed.SiloRulesAsync(fixture);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Rules_are_listed_by_key_with_their_thresholds()
    {
        var rules = await Upload.GetAsync<PagedResult<AlertRuleDto>>(Client, "/api/alert-rules");
        var spike = await Upload.GetAsync<AlertRuleDto>(Client, "/api/alert-rules/domain.failure-spike");

        Assert.Equal(
            ["domain.dns-posture-change", "domain.failure-spike", "domain.new-source", "domain.policy-downgrade", "domain.reporter-gap", "source.threat"],
            rules.Items.Select(r => r.Key).ToArray());
        Assert.Equal(["minBaselineDays", "minIncrease", "minMessages", "ratio"], spike.Thresholds.Keys.Order().ToArray());
        Assert.Equal(0.1, spike.Thresholds["minIncrease"]);
    }

    [Theory]
    [InlineData("""{"thresholds":{"minMessages":50,"maxMessages":9}}""", "thresholds.maxMessages")]
    [InlineData("""{"thresholds":{"ratio":"2"}}""", "thresholds.ratio")]
    [InlineData("""{"thresholds":[2]}""", "thresholds")]
    [InlineData("""{"cooldown":-60}""", "cooldown")]
    [InlineData("""{"cooldown":"-01:00:00"}""", "cooldown")]
    [InlineData("""{"cooldown":"3600"}""", "cooldown")]
    [InlineData("""{"cooldown":1.5}""", "cooldown")]
    [InlineData("""{"severity":"Severe"}""", "severity")]
    [InlineData("""{"description":"  "}""", "description")]
    public async Task Bad_rule_edit_is_refused_naming_the_field_and_changes_nothing(string body, string field)
    {
        var before = await Client.GetStringAsync("/api/alert-rules/domain.failure-spike");

        using var response = await Client.PutAsync("/api/alert-rules/domain.failure-spike", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem.RootElement}");
        Assert.Equal(before, await Client.GetStringAsync("/api/alert-rules/domain.failure-spike"));
    }

    [Fact]
    public async Task Rule_edit_changes_the_given_fields_keeps_the_others_and_names_the_editor()
    {
        using var response = await Client.PutAsync("/api/alert-rules/domain.new-source", new StringContent(
            """{"enabled":false,"severity":"critical","cooldown":"02:30:00","thresholds":{"minMessages":25}}""", Encoding.UTF8, "application/json"));
        var rule = await AlertsApiTests.Read<AlertRuleDto>(response);

        Assert.Equal((false, "Critical", 9000L, 25.0), (rule.Enabled, rule.Severity, rule.CooldownSeconds, rule.Thresholds["minMessages"]));
        Assert.Equal("A source sends as the domain, fails DKIM and SPF alignment, and has never passed.", rule.Description);
        Assert.Equal(ApiFixture.AdminEmail, rule.UpdatedBy);
        var stored = await Seed.QueryAsync(fixture, db => db.AlertRules.SingleAsync(r => r.Key == "domain.new-source"));
        Assert.Equal((false, "Critical", 9000L, ApiFixture.AdminEmail), (stored.Enabled, stored.Severity, stored.CooldownSeconds, stored.UpdatedBy));
        Assert.Equal(25, JsonDocument.Parse(stored.Thresholds).RootElement.GetProperty("minMessages").GetDouble());
        Assert.InRange(stored.UpdatedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Theory]
    [InlineData("600", 600)]
    [InlineData("\"00:10:00\"", 600)]
    [InlineData("\"1.00:00:00\"", 86400)]
    [InlineData("0", 0)]
    public async Task Rule_cooldown_is_taken_as_seconds_or_as_a_timespan(string cooldown, long seconds)
    {
        using var response = await Client.PutAsync("/api/alert-rules/domain.reporter-gap",
            new StringContent($$"""{"cooldown":{{cooldown}}}""", Encoding.UTF8, "application/json"));

        Assert.Equal(seconds, (await AlertsApiTests.Read<AlertRuleDto>(response)).CooldownSeconds);
    }

    [Fact]
    public async Task Unknown_rule_is_not_found_and_analyst_cannot_edit_rules()
    {
        var (_, analyst) = await Seed.CallerAsync(fixture, UserRole.Analyst);

        using var missing = await Client.PutAsJsonAsync("/api/alert-rules/domain.nonexistent", new { enabled = false });
        using var forbidden = await analyst.PutAsJsonAsync("/api/alert-rules/source.threat", new { enabled = false });

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.Forbidden), (missing.StatusCode, forbidden.StatusCode));
        Assert.True((await Upload.GetAsync<AlertRuleDto>(Client, "/api/alert-rules/source.threat")).Enabled);
    }

    [Fact]
    public async Task Suppression_is_created_read_replaced_and_deleted()
    {
        var (analyst, client) = await Seed.CallerAsync(fixture, UserRole.Analyst);
        var end = Seed.Now.AddDays(7);

        using var create = await client.PostAsJsonAsync("/api/suppressions", new SuppressionRequest("network", " 192.0.2.77/24 ", null, null, "Pen test by Acme, ticket SEC-1182."));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var created = await AlertsApiTests.Read<SuppressionDto>(create);
        Assert.Equal($"/api/suppressions/{created.Id}", create.Headers.Location?.OriginalString);
        var read = await Upload.GetAsync<SuppressionDto>(Client, $"/api/suppressions/{created.Id}");
        using var replace = await client.PutAsJsonAsync($"/api/suppressions/{created.Id}",
            new SuppressionRequest("Domain", "Mail.Example.COM.", Seed.Now, end, "Migration weekend."), Upload.Json);
        var replaced = await AlertsApiTests.Read<SuppressionDto>(replace);
        using var delete = await client.DeleteAsync($"/api/suppressions/{created.Id}");
        using var gone = await Client.GetAsync($"/api/suppressions/{created.Id}");
        using var deleteAgain = await client.DeleteAsync($"/api/suppressions/{created.Id}");

        Assert.Equal(("Network", "192.0.2.0/24", analyst, true), (created.Scope, created.Value, created.CreatedBy, created.Active));
        Assert.InRange(created.Start, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Null(created.End);
        Assert.Equal(created, read);
        Assert.Equal(("Domain", "mail.example.com", Seed.Now, end, "Migration weekend."), (replaced.Scope, replaced.Value, replaced.Start, replaced.End, replaced.Reason));
        Assert.Equal(analyst, replaced.CreatedBy);
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (delete.StatusCode, gone.StatusCode, deleteAgain.StatusCode));
    }

    [Theory]
    [InlineData("Network", "192.0.2.0/33", null, null, "value")]
    [InlineData("Network", "192.0.2.300", null, null, "value")]
    [InlineData("Network", "", null, null, "value")]
    [InlineData("Domain", "not a domain", null, null, "value")]
    [InlineData("Domain", "localhost", null, null, "value")]
    [InlineData("Rule", "domain.no-such-rule", null, null, "value")]
    [InlineData("Reporter", "google.com", null, null, "scope")]
    [InlineData("Domain", "example.com", "2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z", "end")]
    [InlineData("Domain", "example.com", "2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z", "end")]
    public async Task Bad_suppression_is_refused_naming_the_field(string scope, string value, string? start, string? end, string field)
    {
        var request = new SuppressionRequest(scope, value, start is null ? null : DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
            end is null ? null : DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), "Because.");

        using var response = await Client.PostAsJsonAsync("/api/suppressions", request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem.RootElement}");
    }

    [Fact]
    public async Task Suppression_without_a_reason_is_refused()
    {
        using var response = await Client.PostAsJsonAsync("/api/suppressions", new SuppressionRequest("Rule", "domain.reporter-gap", null, null, " "));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"reason\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suppressions_filter_by_active_now_and_by_scope()
    {
        var ended = await CreateAsync(new SuppressionRequest("Rule", "domain.reporter-gap", Seed.Now.AddDays(-9), Seed.Now.AddDays(-2), "Old outage."));
        var current = await CreateAsync(new SuppressionRequest("Rule", "domain.policy-downgrade", Seed.Now.AddDays(-1), null, "Policy rollout."));
        var future = await CreateAsync(new SuppressionRequest("Domain", "future.example", Seed.Now.AddDays(3), Seed.Now.AddDays(4), "Planned."));

        var active = await Upload.GetAsync<PagedResult<SuppressionDto>>(Client, "/api/suppressions?active=true&pageSize=500");
        var inactive = await Upload.GetAsync<PagedResult<SuppressionDto>>(Client, "/api/suppressions?active=false&pageSize=500");
        var rules = await Upload.GetAsync<PagedResult<SuppressionDto>>(Client, "/api/suppressions?scope=rule&pageSize=500");

        var mine = new[] { ended, current, future };
        Assert.Equal([current], active.Items.Select(s => s.Id).Intersect(mine).ToArray());
        Assert.Equal([future, ended], inactive.Items.Select(s => s.Id).Intersect(mine).ToArray());
        Assert.Equal([current, ended], rules.Items.Select(s => s.Id).Intersect(mine).ToArray());
        Assert.All(active.Items, s => Assert.True(s.Active));
    }

    private async Task<long> CreateAsync(SuppressionRequest request)
    {
        using var response = await Client.PostAsJsonAsync("/api/suppressions", request, Upload.Json);
        return (await AlertsApiTests.Read<SuppressionDto>(response)).Id;
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class AlertSettingsApiPostgreSqlTests(PostgreSqlApiFixture fixture) : AlertSettingsApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class AlertSettingsApiSqliteTests(SqliteApiFixture fixture) : AlertSettingsApiTests(fixture), IClassFixture<SqliteApiFixture>;
