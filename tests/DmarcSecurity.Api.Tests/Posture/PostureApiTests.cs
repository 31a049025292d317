using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Api.Posture;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Posture;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Jobs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests.Posture;

/// <summary>The posture endpoints and the daily job through the real Api, on both databases, against the dnsmasq of
/// <see cref="PostureWorld"/>; the selector s1 comes from a stored report of good.test.</summary>
public abstract class PostureApiTests(ApiFixture fixture, PostureWorld world) : IAsyncLifetime
{
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        (_factory, _client) = Start(world.Dns);
        var existing = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(_client, $"/api/reports?domain={PostureWorld.Good}");
        if (existing.TotalCount == 0)
        {
            await Upload.FilesAsync(_client, ("good.xml", ReportXml.Build("posture-1", PostureWorld.Good, "google.com", null, null,
                new TestRecord("192.0.2.10", 40, HeaderFrom: PostureWorld.Good))));
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private (WebApplicationFactory<Program>, HttpClient) Start(Testing.Enrichment.Dnsmasq dns)
    {
        // The policy hosts are the test server's, whose CA only this registration trusts.
        var factory = fixture.CreateFactory(world.Settings(dns)).WithWebHostBuilder(web =>
            web.ConfigureTestServices(services => services.AddSingleton(world.Https.Connection)));
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", fixture.AdminApiKey);
        return (factory, client);
    }

    private static async Task<DnsPostureDto> CheckAsync(HttpClient client, string domain)
    {
        using var response = await client.PostAsync($"/api/domains/{domain}/posture/check", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DnsPostureDto>(Upload.Json))!;
    }

    [Fact]
    public async Task A_check_now_is_stored_and_answered_as_the_newest_with_the_selectors_of_the_reports()
    {
        var check = await CheckAsync(_client, "GOOD.test");
        var latest = await Upload.GetAsync<DnsPostureDto>(_client, $"/api/domains/{PostureWorld.Good}/posture");
        var history = await Upload.GetAsync<List<PostureHistoryDto>>(_client, $"/api/domains/{PostureWorld.Good}/posture/history");

        Assert.Equal((PostureWorld.Good, FindingSeverity.Ok, "manual:admin@tests.example"), (check.Domain, check.Worst, check.Trigger));
        Assert.Equal((check.Id, check.CheckedAt), (latest.Id, latest.CheckedAt));
        Assert.InRange(DateTimeOffset.UtcNow - latest.CheckedAt, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        var dkim = Assert.Single(latest.Dkim);
        Assert.Equal(("s1", PostureWorld.Good, (int?)2048), (dkim.Selector, dkim.Domain, dkim.KeyBits));
        Assert.Equal([world.Dns.Server], latest.Resolvers);
        Assert.Equal(check.Id, history[0].Id);
        Assert.Equal("v=spf1 ip4:192.0.2.0/24 include:_spf.good.test mx a -all", latest.Spf.Tree!.Record);
        var policy = latest.MtaSts.Policy!;
        Assert.Equal(("enforce", (long?)604_800, PostureWorld.GoodPolicy), (policy.Mode, policy.MaxAge, policy.Text));
        Assert.Equal(["mail.good.test"], policy.Mx);
    }

    [Fact]
    public async Task A_change_between_two_checks_sends_one_event_to_the_domain_grain()
    {
        await CheckAsync(_client, PostureWorld.Good);
        var before = (await Seed.InboxAsync(fixture, GrainTypes.Domain, PostureWorld.Good, GrainEventTypes.DnsPostureChanged)).Count;
        var (changedFactory, changedClient) = Start(world.Changed);
        try
        {
            world.Https.Responders[PostureWorld.Good] = Posture.MtaStsServer.Policy(PostureWorld.GoodPolicy.Replace("enforce", "testing", StringComparison.Ordinal));
            var changed = await CheckAsync(changedClient, PostureWorld.Good);
            var again = await CheckAsync(changedClient, PostureWorld.Good);
            world.Serve();
            var back = await CheckAsync(_client, PostureWorld.Good);

            Assert.Equal(
                ["DMARC p: reject -> none", "DMARC sp: reject -> (none)",
                 "the SPF record changed: 'v=spf1 ip4:192.0.2.0/24 include:_spf.good.test mx a -all' -> 'v=spf1 ip4:192.0.2.0/24 include:_spf.good.test mx a ~all'",
                 "MTA-STS mode: enforce -> testing",
                 "the DKIM key s1._domainkey.good.test disappeared",
                 "new error: No key at s1._domainkey.good.test: mail signed with selector s1 fails DKIM."],
                changed.Changes);
            Assert.Empty(again.Changes);
            Assert.NotEmpty(back.Changes);
            var events = await Seed.InboxAsync(fixture, GrainTypes.Domain, PostureWorld.Good, GrainEventTypes.DnsPostureChanged);
            Assert.Equal(before + 2, events.Count);
            var first = JsonSerializer.Deserialize(events[before].Payload, GrainEventJson.Default.DnsPostureChangedEvent)!;
            Assert.Equal((changed.Id, true), (first.CheckId, first.Weakened));
            Assert.Equal(changed.Changes, first.Changes);
        }
        finally
        {
            world.Serve();
            changedClient.Dispose();
            await changedFactory.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_daily_job_checks_every_domain_with_reports()
    {
        var jobs = await Upload.GetAsync<List<JobDto>>(_client, "/api/jobs");
        using var response = await _client.PostAsync("/api/jobs/dns-posture/run", null);
        var run = (await response.Content.ReadFromJsonAsync<JobRunDto>(Upload.Json))!;
        var latest = await Upload.GetAsync<DnsPostureDto>(_client, $"/api/domains/{PostureWorld.Good}/posture");

        var job = Assert.Single(jobs, j => j.Name == "dns-posture");
        Assert.Equal(("Scheduled", (TimeSpan?)TimeSpan.FromDays(1)), (job.Kind, job.Interval));
        Assert.Equal(JobOutcome.Succeeded, run.Outcome);
        Assert.StartsWith("Checked 1 domains: 0 with errors", run.Summary, StringComparison.Ordinal);
        Assert.Equal("job:dns-posture", latest.Trigger);
    }

    [Fact]
    public async Task A_domain_never_checked_is_not_found_and_a_bad_name_is_refused()
    {
        using var none = await _client.GetAsync("/api/domains/never-checked.test/posture");
        using var bad = await _client.PostAsync("/api/domains/not_a..domain/posture/check", null);

        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class PostureApiPostgreSqlTests(PostgreSqlApiFixture fixture, PostureWorld world)
    : PostureApiTests(fixture, world), IClassFixture<PostgreSqlApiFixture>, IClassFixture<PostureWorld>;

[Trait("Provider", "Sqlite")]
public sealed class PostureApiSqliteTests(SqliteApiFixture fixture, PostureWorld world)
    : PostureApiTests(fixture, world), IClassFixture<SqliteApiFixture>, IClassFixture<PostureWorld>;
