using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Enforcement;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Decisions;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Tests;

/// <summary>The decisions stream bouncers pull: enforced blocks in force, each told once, and deletions on expiry,
/// dismissal and allowlisting. Every test uses addresses of its own.</summary>
public abstract class EnforcementTests(ApiFixture fixture)
{
    [Fact]
    public async Task A_bouncer_is_told_each_enforced_block_once_and_its_deletion_on_expiry()
    {
        var (bouncer, _) = await NewBouncerAsync();
        var block = Block("198.51.100.21");
        await Seed.AddAsync(fixture, block, Block("198.51.100.22", simulated: true), Seed.Decision("198.51.100.23", action: "Review"));

        var first = await PullAsync(bouncer, startup: true);
        var second = await PullAsync(bouncer);
        await Seed.QueryAsync(fixture, db => db.Decisions.Where(d => d.Id == block.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1))));
        var afterExpiry = await PullAsync(bouncer);

        var told = Assert.Single(Mine(first.New, "198.51.100.2"));
        Assert.Equal(("ban", "Ip", "198.51.100.21", DecisionStream.Origin), (told.Type, told.Scope, told.Value, told.Origin));
        Assert.Matches(@"^3h59m\d+s$", told.Duration);
        Assert.Empty(Mine(second.New, "198.51.100.2"));
        Assert.Empty(Mine(second.Deleted, "198.51.100.2"));
        Assert.Equal("198.51.100.21", Assert.Single(Mine(afterExpiry.Deleted, "198.51.100.2")).Value);
    }

    [Fact]
    public async Task Allowlisting_and_dismissing_delete_a_block_and_lifting_the_allowlist_restores_it()
    {
        var (bouncer, _) = await NewBouncerAsync();
        var dismissed = Block("198.51.100.31");
        await Seed.AddAsync(fixture, Block("198.51.100.30"), dismissed);
        await PullAsync(bouncer, startup: true);

        using var allow = await fixture.Client.PostAsJsonAsync("/api/allowlist", new { network = "198.51.100.30", reason = "our relay" }, Upload.Json);
        await Seed.QueryAsync(fixture, db => db.Decisions.Where(d => d.Id == dismissed.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.ReviewStatus, ReviewStatus.Dismissed)));
        var afterBoth = await PullAsync(bouncer);
        var id = (await allow.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var lift = await fixture.Client.DeleteAsync($"/api/allowlist/{id}");
        var afterLift = await PullAsync(bouncer);

        Assert.Equal(["198.51.100.30", "198.51.100.31"], Mine(afterBoth.Deleted, "198.51.100.3").Select(d => d.Value).Order());
        Assert.Equal("198.51.100.30", Assert.Single(Mine(afterLift.New, "198.51.100.3")).Value);
    }

    [Fact]
    public async Task An_ipv6_range_block_is_a_range_and_an_address_lookup_finds_it()
    {
        var (bouncer, key) = await NewBouncerAsync();
        var range = Block("2001:db8:77::1");
        range.Scope = "Cidr";
        range.Cidr = "2001:db8:77::/64";
        await Seed.AddAsync(fixture, range);

        var pulled = await PullAsync(bouncer, startup: true);
        using var client = fixture.WithApiKey(key);
        var covering = await client.GetFromJsonAsync<List<BouncerDecision>>("/v1/decisions?ip=2001:db8:77::abcd", Upload.Json);
        using var none = await client.GetAsync("/v1/decisions?ip=192.0.2.250");

        var told = Assert.Single(Mine(pulled.New, "2001:db8:77:"));
        Assert.Equal("Range", told.Scope);
        Assert.Equal("2001:db8:77::/64", Assert.Single(covering!).Value);
        Assert.Equal("null", await none.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Only_an_active_bouncer_key_opens_the_stream_and_it_opens_nothing_else()
    {
        var (bouncer, key) = await NewBouncerAsync();

        using var revoke = await fixture.Client.DeleteAsync($"/api/bouncers/{bouncer.Id}");
        using var revoked = await fixture.WithApiKey(key).GetAsync("/v1/decisions/stream?startup=true");
        using var userKey = await fixture.Client.GetAsync("/v1/decisions/stream?startup=true");
        var (_, other) = await NewBouncerAsync();
        using var bouncerOnApi = await fixture.WithApiKey(other).GetAsync("/api/reports");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, userKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bouncerOnApi.StatusCode);
        var listed = await Upload.GetAsync<List<BouncerDto>>(fixture.Client, "/api/bouncers");
        Assert.NotNull(listed.Single(b => b.Id == bouncer.Id).RevokedAt);
        Assert.Null(listed.Single(b => b.Id == bouncer.Id).LastPullAt);
    }

    private static DecisionEntity Block(string ip, bool simulated = false)
    {
        var decision = Seed.Decision(ip, action: "Block", reviewStatus: ReviewStatus.NotRequired, issuedAt: DateTimeOffset.UtcNow, simulated: simulated, severity: "Critical", score: 0.93);
        decision.ExpiresAt = DateTimeOffset.UtcNow.AddHours(4);
        return decision;
    }

    /// <summary>Other tests of the class seed blocks too: each test looks only at the addresses it made.</summary>
    private static List<BouncerDecision> Mine(IReadOnlyList<BouncerDecision>? decisions, string prefix) =>
        (decisions ?? []).Where(d => d.Value.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private async Task<(BouncerDto Bouncer, string Key)> NewBouncerAsync()
    {
        using var response = await fixture.Client.PostAsJsonAsync("/api/bouncers", new CreateBouncerRequest($"fw-{Guid.NewGuid():N}"[..12]), Upload.Json);
        var created = await response.Content.ReadFromJsonAsync<CreatedBouncer>(Upload.Json);
        _keys[created!.Bouncer.Id] = created.Key;
        return (created.Bouncer, created.Key);
    }

    private async Task<DecisionStreamResponse> PullAsync(BouncerDto bouncer, bool startup = false)
    {
        var key = _keys[bouncer.Id];
        using var client = fixture.WithApiKey(key);
        return (await client.GetFromJsonAsync<DecisionStreamResponse>($"/v1/decisions/stream?startup={(startup ? "true" : "false")}", Upload.Json))!;
    }

    private readonly Dictionary<long, string> _keys = [];
}

[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlEnforcementTests(PostgreSqlApiFixture fixture) : EnforcementTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class SqliteEnforcementTests(SqliteApiFixture fixture) : EnforcementTests(fixture), IClassFixture<SqliteApiFixture>;
