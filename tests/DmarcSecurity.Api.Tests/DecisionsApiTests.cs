using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Decisions;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Api.Tests;

/// <summary>Decisions and their review, and the allowlist.</summary>
public abstract class DecisionsApiTests(ApiFixture fixture)
{
    private HttpClient Client => fixture.Client;

    /// <summary>An address no other test of the class uses, so inbox rows and lists are this test's own.</summary>
    private static string NewIp() => new IPAddress([0x20, 0x01, 0x0d, 0xb8, .. Guid.NewGuid().ToByteArray()[..12]]).ToString();

    [Theory]
    [InlineData("approve", ReviewOutcome.Approved, ReviewStatus.Approved)]
    [InlineData("dismiss", ReviewOutcome.Dismissed, ReviewStatus.Dismissed)]
    public async Task Review_of_a_pending_decision_is_recorded_and_sent_to_its_source_grain(string step, ReviewOutcome outcome, ReviewStatus status)
    {
        var ip = NewIp();
        var decision = Seed.Decision(ip);
        await Seed.AddAsync(fixture, decision);
        var (analyst, client) = await Seed.CallerAsync(fixture, UserRole.Analyst);

        using var response = await Upload.PostJsonAsync(client, $"/api/decisions/{decision.Id}/{step}", new CommentRequest("Checked with the ESP: not ours."));
        var reviewed = await AlertsApiTests.Read<DecisionDetailDto>(response);

        Assert.Equal((status, analyst, "Checked with the ESP: not ours."), (reviewed.Decision.ReviewStatus, reviewed.Decision.ReviewedBy, reviewed.Decision.ReviewComment));
        Assert.InRange(reviewed.Decision.ReviewedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        var stored = await Upload.GetAsync<DecisionDetailDto>(Client, $"/api/decisions/{decision.Id}");
        Assert.Equal((status, reviewed.Decision.ReviewedAt), (stored.Decision.ReviewStatus, stored.Decision.ReviewedAt));
        var inbox = Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, ip, GrainEventTypes.DecisionReviewed));
        Assert.Equal(new DecisionReviewedEvent(decision.Id, outcome, analyst), JsonSerializer.Deserialize(inbox.Payload, GrainEventJson.Default.DecisionReviewedEvent));
    }

    [Theory]
    [InlineData("Block", ReviewStatus.NotRequired, "approve")]
    [InlineData("Review", ReviewStatus.Approved, "dismiss")]
    [InlineData("Review", ReviewStatus.Dismissed, "approve")]
    public async Task Review_of_a_decision_that_is_not_pending_is_a_conflict(string action, ReviewStatus status, string step)
    {
        var ip = NewIp();
        var decision = Seed.Decision(ip, action, status, severity: "High", score: 0.81);
        await Seed.AddAsync(fixture, decision);

        using var response = await Upload.PostJsonAsync(Client, $"/api/decisions/{decision.Id}/{step}", new CommentRequest(null));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status, (await Upload.GetAsync<DecisionDetailDto>(Client, $"/api/decisions/{decision.Id}")).Decision.ReviewStatus);
        Assert.Empty(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, ip, GrainEventTypes.DecisionReviewed));
    }

    [Fact]
    public async Task An_analysts_block_goes_to_the_source_grain_and_a_lift_dismisses_the_blocks_in_force()
    {
        var ip = NewIp();
        var (analyst, client) = await Seed.CallerAsync(fixture, UserRole.Analyst);

        using var block = await Upload.PostJsonAsync(client, "/api/decisions",
            new ManualDecisionRequest(ip.ToUpperInvariant(), ManualAction.Block, TimeSpan.FromHours(12), "Phishing kit seen in ticket 4711"));
        var queued = await AlertsApiTests.Read<ManualDecisionResult>(block);

        Assert.Equal((ip, ManualAction.Block, true, 0), (queued.Ip, queued.Action, queued.Queued, queued.Lifted.Count));
        var inbox = Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, ip, GrainEventTypes.ManualBlock));
        Assert.Equal(new ManualBlockEvent(TimeSpan.FromHours(12), "Phishing kit seen in ticket 4711", analyst, false),
            JsonSerializer.Deserialize(inbox.Payload, GrainEventJson.Default.ManualBlockEvent));

        // The grain's block (stored as the silo would store it), and an older one that expired.
        var inForce = Seed.Decision(ip, "Block", ReviewStatus.NotRequired, severity: "High", score: 0.7);
        var expired = Seed.Decision(ip, "Block", ReviewStatus.NotRequired, Seed.Now.AddDays(-3), severity: "High", score: 0.7);
        expired.ExpiresAt = Seed.Now.AddDays(-2);
        await Seed.AddAsync(fixture, inForce, expired);

        using var lift = await Upload.PostJsonAsync(client, "/api/decisions", new ManualDecisionRequest(ip, ManualAction.Lift, null, "False positive: partner relay"));
        var lifted = await AlertsApiTests.Read<ManualDecisionResult>(lift);
        using var again = await Upload.PostJsonAsync(client, "/api/decisions", new ManualDecisionRequest(ip, ManualAction.Lift, null, "twice"));

        Assert.Equal([inForce.Id], lifted.Lifted);
        var stored = (await Upload.GetAsync<DecisionDetailDto>(Client, $"/api/decisions/{inForce.Id}")).Decision;
        Assert.Equal((ReviewStatus.Dismissed, analyst, "False positive: partner relay"), (stored.ReviewStatus, stored.ReviewedBy, stored.ReviewComment));
        Assert.Equal(ReviewStatus.NotRequired, (await Upload.GetAsync<DecisionDetailDto>(Client, $"/api/decisions/{expired.Id}")).Decision.ReviewStatus);
        var review = Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, ip, GrainEventTypes.DecisionReviewed));
        Assert.Equal(new DecisionReviewedEvent(inForce.Id, ReviewOutcome.Dismissed, analyst), JsonSerializer.Deserialize(review.Payload, GrainEventJson.Default.DecisionReviewedEvent));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Theory]
    [InlineData("{\"ip\":\"not-an-ip\",\"action\":\"Block\",\"reason\":\"x\"}", "ip")]
    [InlineData("{\"ip\":\"192.0.2.1\",\"action\":\"Block\",\"duration\":\"00:00:10\",\"reason\":\"x\"}", "duration")]
    [InlineData("{\"ip\":\"192.0.2.1\",\"action\":\"Block\",\"reason\":\"\"}", "reason")]
    [InlineData("{\"ip\":\"192.0.2.1\",\"reason\":\"x\"}", "action")]
    public async Task A_bad_manual_decision_is_refused_naming_the_field(string body, string field)
    {
        using var response = await Client.PostAsync("/api/decisions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Only_an_admin_may_bypass_the_allowlist()
    {
        var (_, analyst) = await Seed.CallerAsync(fixture, UserRole.Analyst);
        var ip = NewIp();

        using var refused = await Upload.PostJsonAsync(analyst, "/api/decisions", new ManualDecisionRequest(ip, ManualAction.Block, null, "abuse", BypassAllowlist: true));
        using var accepted = await Upload.PostJsonAsync(Client, "/api/decisions", new ManualDecisionRequest(ip, ManualAction.Block, null, "abuse", BypassAllowlist: true));

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.OK), (refused.StatusCode, accepted.StatusCode));
        var inbox = Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, ip, GrainEventTypes.ManualBlock));
        Assert.True(JsonSerializer.Deserialize(inbox.Payload, GrainEventJson.Default.ManualBlockEvent)!.BypassAllowlist);
    }

    [Fact]
    public async Task Decision_detail_carries_the_score_breakdown_as_an_object()
    {
        var decision = Seed.Decision(NewIp());
        await Seed.AddAsync(fixture, decision);

        var detail = await Upload.GetAsync<DecisionDetailDto>(Client, $"/api/decisions/{decision.Id}");

        Assert.Equal(JsonValueKind.Object, detail.Breakdown.ValueKind);
        Assert.Equal(0.336, detail.Breakdown.GetProperty("pattern").GetProperty("contribution").GetDouble());
        Assert.Equal(412, detail.Breakdown.GetProperty("pattern").GetProperty("inputs").GetProperty("failingBoth").GetInt32());
        Assert.Equal((decision.Ip, "Review", 0.58, ReviewStatus.Pending), (detail.Decision.Ip, detail.Decision.Action, detail.Decision.Score, detail.Decision.ReviewStatus));
    }

    [Fact]
    public async Task Unknown_decision_is_not_found()
    {
        using var get = await Client.GetAsync($"/api/decisions/{Guid.NewGuid()}");
        using var approve = await Upload.PostJsonAsync(Client, $"/api/decisions/{Guid.NewGuid()}/approve", new CommentRequest(null));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (get.StatusCode, approve.StatusCode));
    }

    [Fact]
    public async Task Decision_list_filters_by_ip_action_review_simulation_and_issue_time_newest_first()
    {
        var ip = NewIp();
        var oldBlock = Seed.Decision(ip, "Block", ReviewStatus.NotRequired, Seed.Now.AddDays(-5), severity: "Critical", score: 0.93);
        var review = Seed.Decision(ip, "Review", ReviewStatus.Pending, Seed.Now.AddDays(-2));
        var simulated = Seed.Decision(ip, "Block", ReviewStatus.NotRequired, Seed.Now.AddHours(-1), simulated: true, severity: "High", score: 0.8);
        await Seed.AddAsync(fixture, oldBlock, review, simulated, Seed.Decision(NewIp()));

        var all = await Upload.GetAsync<PagedResult<DecisionDto>>(Client, $"/api/decisions?ip={ip}");
        var blocks = await Upload.GetAsync<PagedResult<DecisionDto>>(Client, $"/api/decisions?ip={ip}&action=block&simulated=false");
        var pending = await Upload.GetAsync<PagedResult<DecisionDto>>(Client, $"/api/decisions?ip={ip}&reviewStatus=Pending");
        var lastDay = await Upload.GetAsync<PagedResult<DecisionDto>>(Client, $"/api/decisions?ip={ip}&from={Uri.EscapeDataString(Seed.Now.AddDays(-1).ToString("O"))}");
        var critical = await Upload.GetAsync<PagedResult<DecisionDto>>(Client, $"/api/decisions?ip={ip}&severity=critical");
        var page = await Upload.GetAsync<PagedResult<DecisionDto>>(Client, $"/api/decisions?ip={ip}&sort=score&pageSize=2&page=2");

        Assert.Equal([simulated.Id, review.Id, oldBlock.Id], all.Items.Select(d => d.Id).ToArray());
        Assert.Equal(oldBlock.Id, Assert.Single(blocks.Items).Id);
        Assert.Equal(review.Id, Assert.Single(pending.Items).Id);
        Assert.Equal(simulated.Id, Assert.Single(lastDay.Items).Id);
        Assert.Equal(oldBlock.Id, Assert.Single(critical.Items).Id);
        Assert.Equal((3L, oldBlock.Id), (page.TotalCount, Assert.Single(page.Items).Id));
    }

    [Theory]
    [InlineData("ip=203.0.113.0/24", "ip")]
    [InlineData("action=Quarantine", "action")]
    [InlineData("reviewStatus=Maybe", "reviewStatus")]
    public async Task Bad_decision_filters_are_refused_naming_the_field(string query, string field)
    {
        using var response = await Client.GetAsync("/api/decisions?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("198.51.100.77/24", "198.51.100.0/24")]
    [InlineData(" 2001:DB8:0:0::1/128 ", "2001:db8::1")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("::ffff:192.0.2.130/121", "192.0.2.128/25")]
    [InlineData("2001:db8:abcd:12::7/48", "2001:db8:abcd::/48")]
    [InlineData("10.1.2.3/32", "10.1.2.3")]
    public async Task Allowlisted_network_is_stored_canonical(string network, string canonical)
    {
        using var response = await Client.PostAsJsonAsync("/api/allowlist", new AllowlistRequest(network, "Corporate relay."));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = await AlertsApiTests.Read<AllowlistEntryDto>(response);
        Assert.Equal((canonical, "Corporate relay.", ApiFixture.AdminEmail), (entry.Network, entry.Reason, entry.CreatedBy));
        var listed = await Upload.GetAsync<PagedResult<AllowlistEntryDto>>(Client, "/api/allowlist?pageSize=500");
        Assert.Contains(entry, listed.Items);
    }

    [Fact]
    public async Task Same_network_twice_is_a_conflict_however_it_is_written()
    {
        using var first = await Client.PostAsJsonAsync("/api/allowlist", new AllowlistRequest("192.0.2.64/26", "Partner A."));
        using var again = await Client.PostAsJsonAsync("/api/allowlist", new AllowlistRequest("192.0.2.99/26", "Partner A again."));

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Conflict), (first.StatusCode, again.StatusCode));
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        var listed = await Upload.GetAsync<PagedResult<AllowlistEntryDto>>(Client, "/api/allowlist?pageSize=500");
        Assert.Single(listed.Items, e => e.Network == "192.0.2.64/26");
    }

    [Theory]
    [InlineData("192.0.2.0/40", "Relay.", "network")]
    [InlineData("relay.example.com", "Relay.", "network")]
    [InlineData("192.0.2.5", "", "reason")]
    public async Task Bad_allowlist_entry_is_refused_naming_the_field(string network, string reason, string field)
    {
        using var response = await Client.PostAsJsonAsync("/api/allowlist", new AllowlistRequest(network, reason));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Allowlist_entry_is_removed_by_an_admin_only()
    {
        using var created = await Client.PostAsJsonAsync("/api/allowlist", new AllowlistRequest("198.18.0.0/15", "Benchmark lab."));
        var entry = await AlertsApiTests.Read<AllowlistEntryDto>(created);
        var (_, analyst) = await Seed.CallerAsync(fixture, UserRole.Analyst);

        using var refused = await analyst.DeleteAsync($"/api/allowlist/{entry.Id}");
        using var removed = await Client.DeleteAsync($"/api/allowlist/{entry.Id}");
        using var again = await Client.DeleteAsync($"/api/allowlist/{entry.Id}");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.NoContent, HttpStatusCode.NotFound), (refused.StatusCode, removed.StatusCode, again.StatusCode));
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class DecisionsApiPostgreSqlTests(PostgreSqlApiFixture fixture) : DecisionsApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class DecisionsApiSqliteTests(SqliteApiFixture fixture) : DecisionsApiTests(fixture), IClassFixture<SqliteApiFixture>;
