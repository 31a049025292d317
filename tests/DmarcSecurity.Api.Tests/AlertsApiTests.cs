using System.Net;
using System.Text.Json;
using DmarcSecurity.Api.Alerts;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Reports;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Tests;

public abstract class AlertsApiTests(ApiFixture fixture)
{
    private HttpClient Client => fixture.Client;

    private static string NewDomain() => $"alerts-{Guid.NewGuid():N}.example";

    [Fact]
    public async Task Alert_list_filters_by_status_severity_rule_key_and_last_seen()
    {
        var domain = NewDomain();
        var open = Seed.Alert(domain, severity: "High", lastSeen: Seed.Now.AddDays(-1));
        var acknowledged = Seed.Alert(domain, "domain.new-source", "Medium", AlertStatus.Acknowledged, lastSeen: Seed.Now.AddDays(-2));
        var resolved = Seed.Alert(domain, "domain.policy-downgrade", "High", AlertStatus.Resolved, lastSeen: Seed.Now.AddDays(-10));
        var otherGrain = Seed.Alert("203.0.113.66", "source.threat", "Critical", grainType: GrainTypes.SourceIp);
        await Seed.AddAsync(fixture, open, acknowledged, resolved, otherGrain);
        var byKey = $"/api/alerts?key={domain.ToUpperInvariant()}";

        var all = await Upload.GetAsync<PagedResult<AlertDto>>(Client, byKey);
        var openOnly = await Upload.GetAsync<PagedResult<AlertDto>>(Client, byKey + "&status=open");
        var high = await Upload.GetAsync<PagedResult<AlertDto>>(Client, byKey + "&severity=High");
        var rule = await Upload.GetAsync<PagedResult<AlertDto>>(Client, byKey + "&rule=domain.new-source");
        var recent = await Upload.GetAsync<PagedResult<AlertDto>>(Client,
            byKey + $"&from={Uri.EscapeDataString(Seed.Now.AddDays(-3).ToString("O"))}&to={Uri.EscapeDataString(Seed.Now.AddHours(-12).ToString("O"))}");
        var source = await Upload.GetAsync<PagedResult<AlertDto>>(Client, "/api/alerts?grainType=source-ip&key=203.0.113.66");

        Assert.Equal([open.Id, acknowledged.Id, resolved.Id], all.Items.Select(a => a.Id).ToArray());
        Assert.Equal(open.Id, Assert.Single(openOnly.Items).Id);
        Assert.Equal([open.Id, resolved.Id], high.Items.Select(a => a.Id).ToArray());
        Assert.Equal(acknowledged.Id, Assert.Single(rule.Items).Id);
        Assert.Equal([open.Id, acknowledged.Id], recent.Items.Select(a => a.Id).ToArray());
        var threat = Assert.Single(source.Items);
        Assert.Equal(("source.threat", "Critical", AlertStatus.Open), (threat.RuleKey, threat.Severity, threat.Status));
        Assert.Equal("2026-11-03", all.Items[0].Discriminators.GetProperty("day").GetString());
    }

    [Fact]
    public async Task Alert_list_sorts_by_occurrences_and_severity_and_pages()
    {
        var domain = NewDomain();
        var low = Seed.Alert(domain, "domain.reporter-gap", "Low", occurrences: 9);
        var critical = Seed.Alert(domain, "domain.failure-spike", "Critical", occurrences: 1);
        var medium = Seed.Alert(domain, "domain.new-source", "Medium", occurrences: 4);
        await Seed.AddAsync(fixture, low, critical, medium);

        var bySeverity = await Upload.GetAsync<PagedResult<AlertDto>>(Client, $"/api/alerts?key={domain}&sort=-severity");
        var page2 = await Upload.GetAsync<PagedResult<AlertDto>>(Client, $"/api/alerts?key={domain}&sort=-occurrences&page=2&pageSize=1");

        Assert.Equal([critical.Id, medium.Id, low.Id], bySeverity.Items.Select(a => a.Id).ToArray());
        Assert.Equal((2, 1, 3L), (page2.Page, page2.PageSize, page2.TotalCount));
        Assert.Equal(medium.Id, Assert.Single(page2.Items).Id);
    }

    [Theory]
    [InlineData("status=Closed", "status")]
    [InlineData("severity=Severe", "severity")]
    [InlineData("grainType=reporter", "grainType")]
    [InlineData("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "to")]
    [InlineData("pageSize=0", "pageSize")]
    public async Task Bad_alert_filters_are_answered_with_a_problem_naming_the_field(string query, string field)
    {
        using var response = await Client.GetAsync("/api/alerts?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}");
    }

    [Fact]
    public async Task Acknowledge_then_resolve_records_who_when_and_why_and_tells_the_grain_to_forget_the_fingerprint()
    {
        var domain = NewDomain();
        var alert = await Seed.AlertAsync(fixture, Seed.Alert(domain));
        var (analyst, client) = await Seed.CallerAsync(fixture, UserRole.Analyst);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        using var acknowledge = await Upload.PostJsonAsync(client, $"/api/alerts/{alert.Id}/acknowledge", new CommentRequest("Looking into it with the mail team."));
        var acknowledged = await Read<AlertDetailDto>(acknowledge);
        using var resolve = await Upload.PostJsonAsync(client, $"/api/alerts/{alert.Id}/resolve", new CommentRequest("New ESP added to SPF."));
        var resolved = await Read<AlertDetailDto>(resolve);
        var detail = await Upload.GetAsync<AlertDetailDto>(Client, $"/api/alerts/{alert.Id}");

        Assert.Equal((AlertStatus.Acknowledged, analyst), (acknowledged.Alert.Status, acknowledged.Alert.AcknowledgedBy));
        Assert.Equal((AlertStatus.Resolved, analyst, analyst), (resolved.Alert.Status, resolved.Alert.AcknowledgedBy, resolved.Alert.ResolvedBy));
        Assert.Equal(resolved.Alert, detail.Alert with { Discriminators = resolved.Alert.Discriminators });
        Assert.Equal(["created", "acknowledged", "resolved"], detail.History.Select(h => h.Action).ToArray());
        Assert.Equal(new string?[] { null, analyst, analyst }, detail.History.Select(h => h.By));
        Assert.Equal(new string?[] { null, "Looking into it with the mail team.", "New ESP added to SPF." }, detail.History.Select(h => h.Comment));
        Assert.All(detail.History.Skip(1), h => Assert.InRange(h.At, before, DateTimeOffset.UtcNow.AddSeconds(1)));
        Assert.Equal(detail.History[2].At, detail.Alert.ResolvedAt);

        var closed = Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.Domain, domain, GrainEventTypes.AlertClosed));
        var payload = JsonSerializer.Deserialize(closed.Payload, GrainEventJson.Default.AlertClosedEvent);
        Assert.Equal(alert.Fingerprint, payload!.Fingerprint);
    }

    [Fact]
    public async Task Open_alert_of_a_source_can_be_resolved_without_acknowledging()
    {
        var alert = await Seed.AlertAsync(fixture, Seed.Alert("2001:db8:77::5", "source.threat", grainType: GrainTypes.SourceIp));

        using var response = await Upload.PostJsonAsync(Client, $"/api/alerts/{alert.Id}/resolve", new CommentRequest(null));
        var resolved = await Read<AlertDetailDto>(response);

        Assert.Equal((AlertStatus.Resolved, null, ApiFixture.AdminEmail), (resolved.Alert.Status, resolved.Alert.AcknowledgedBy, resolved.Alert.ResolvedBy));
        Assert.Equal(alert.Fingerprint, JsonSerializer.Deserialize(
            Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, "2001:db8:77::5", GrainEventTypes.AlertClosed)).Payload,
            GrainEventJson.Default.AlertClosedEvent)!.Fingerprint);
    }

    [Fact]
    public async Task Acknowledging_a_resolved_alert_is_a_conflict_and_changes_nothing()
    {
        var domain = NewDomain();
        var alert = await Seed.AlertAsync(fixture, Seed.Alert(domain, status: AlertStatus.Resolved));

        using var response = await Upload.PostJsonAsync(Client, $"/api/alerts/{alert.Id}/acknowledge", new CommentRequest("too late"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = await Upload.GetAsync<AlertDetailDto>(Client, $"/api/alerts/{alert.Id}");
        Assert.Equal((AlertStatus.Resolved, null), (detail.Alert.Status, detail.Alert.AcknowledgedBy));
        Assert.Equal("created", Assert.Single(detail.History).Action);
    }

    [Fact]
    public async Task Resolving_twice_is_a_conflict_and_tells_the_grain_once()
    {
        var domain = NewDomain();
        var alert = await Seed.AlertAsync(fixture, Seed.Alert(domain));

        using var first = await Upload.PostJsonAsync(Client, $"/api/alerts/{alert.Id}/resolve", new CommentRequest(null));
        using var second = await Upload.PostJsonAsync(Client, $"/api/alerts/{alert.Id}/resolve", new CommentRequest(null));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Conflict), (first.StatusCode, second.StatusCode));
        Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.Domain, domain, GrainEventTypes.AlertClosed));
    }

    [Fact]
    public async Task Viewer_cannot_acknowledge_an_alert()
    {
        var alert = await Seed.AlertAsync(fixture, Seed.Alert(NewDomain()));
        var (_, viewer) = await Seed.CallerAsync(fixture, UserRole.Viewer);

        using var response = await Upload.PostJsonAsync(viewer, $"/api/alerts/{alert.Id}/acknowledge", new CommentRequest("mine"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var stored = await Seed.QueryAsync(fixture, db => db.Alerts.SingleAsync(a => a.Id == alert.Id));
        Assert.Equal(AlertStatus.Open, stored.Status);
        Assert.Equal(1, await Seed.QueryAsync(fixture, db => db.AlertHistory.CountAsync(h => h.AlertId == alert.Id)));
    }

    [Fact]
    public async Task Unknown_alert_is_not_found()
    {
        using var get = await Client.GetAsync("/api/alerts/987654321");
        using var resolve = await Upload.PostJsonAsync(Client, "/api/alerts/987654321/resolve", new CommentRequest(null));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (get.StatusCode, resolve.StatusCode));
    }

    internal static async Task<T> Read<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, Upload.Json)!;
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class AlertsApiPostgreSqlTests(PostgreSqlApiFixture fixture) : AlertsApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class AlertsApiSqliteTests(SqliteApiFixture fixture) : AlertsApiTests(fixture), IClassFixture<SqliteApiFixture>;
