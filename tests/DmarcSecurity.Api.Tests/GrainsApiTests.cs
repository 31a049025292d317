using System.Globalization;
using System.Net;
using System.Text.Json;
using DmarcSecurity.Api.Grains;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Api.Tests;

/// <summary>What the grains know: domains, sources and the runtime itself.</summary>
public abstract class GrainsApiTests(ApiFixture fixture)
{
    // Read at each use: a class loaded before midnight UTC and run after it would seed yesterday as today.
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Domain_summary_reads_baseline_senders_policy_and_the_last_seven_days_from_the_grain_state()
    {
        var domain = $"summary-{Guid.NewGuid():N}.example";
        await Seed.GrainStateAsync(fixture, GrainTypes.Domain, domain, DomainState(domain));
        await Seed.AddAsync(fixture,
            Seed.Alert(domain), Seed.Alert(domain, "domain.new-source", "Medium", AlertStatus.Acknowledged),
            Seed.Alert(domain, "domain.policy-downgrade", status: AlertStatus.Resolved));

        var list = await Upload.GetAsync<PagedResult<DomainSummaryDto>>(Client, "/api/domains?pageSize=500");

        var summary = Assert.Single(list.Items, d => d.Domain == domain);
        Assert.Equal((0.0125, 14, 3), (summary.BaselineFailureRate, summary.BaselineDays, summary.KnownSenders));
        Assert.Equal(new PublishedPolicyDto("reject", "quarantine", null, 100, false, Seed.Now.AddDays(-1)), summary.Policy);
        Assert.Equal(3500, summary.Last7DaysMessages);
        Assert.Equal(260 / 3500.0, summary.Last7DaysFailureRate!.Value, 12);
        Assert.Equal(2, summary.OpenAlerts);
    }

    [Fact]
    public async Task Domain_detail_has_its_summary_and_the_whole_state_as_an_object()
    {
        var domain = $"detail-{Guid.NewGuid():N}.example";
        await Seed.GrainStateAsync(fixture, GrainTypes.Domain, domain, DomainState(domain), version: 42);

        var detail = await Upload.GetAsync<DomainDetailDto>(Client, $"/api/domains/{domain.ToUpperInvariant()}.");
        using var missing = await Client.GetAsync("/api/domains/never-reported.example");

        Assert.Equal((domain, 42L, 0), (detail.Summary.Domain, detail.Version, detail.Summary.OpenAlerts));
        Assert.Equal(JsonValueKind.Object, detail.State.ValueKind);
        Assert.Equal(5, detail.State.GetProperty("days").GetArrayLength());
        Assert.Equal("google.com", detail.State.GetProperty("reporters").EnumerateObject().Single().Name);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Domains_are_listed_in_name_order_and_paged()
    {
        var suffix = Guid.NewGuid().ToString("N");
        await Seed.GrainStateAsync(fixture, GrainTypes.Domain, $"zz-b-{suffix}.example", DomainState("b"));
        await Seed.GrainStateAsync(fixture, GrainTypes.Domain, $"zz-a-{suffix}.example", DomainState("a"));
        await Seed.GrainStateAsync(fixture, GrainTypes.SourceIp, "192.0.2.200", SourceState());

        var all = await Upload.GetAsync<PagedResult<DomainSummaryDto>>(Client, "/api/domains?pageSize=500");
        var last = await Upload.GetAsync<PagedResult<DomainSummaryDto>>(Client, $"/api/domains?pageSize=1&page={all.TotalCount}");

        var names = all.Items.Select(d => d.Domain).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.True(names.IndexOf($"zz-a-{suffix}.example") < names.IndexOf($"zz-b-{suffix}.example"));
        Assert.DoesNotContain("192.0.2.200", names);
        Assert.Equal(names[^1], Assert.Single(last.Items).Domain);
    }

    [Fact]
    public async Task Source_joins_its_grain_state_newest_records_and_decisions()
    {
        const string ip = "198.51.100.42";
        var day1 = new DateTimeOffset(2026, 10, 5, 0, 0, 0, TimeSpan.Zero);
        await Upload.FilesAsync(Client,
            ("older.xml", ReportXml.Build(Guid.NewGuid().ToString("N"), "src.example", "google.com", day1, null,
                new TestRecord(ip, 12, "reject", "fail", "fail"), new TestRecord("198.51.100.43", 5))),
            ("newer.xml", ReportXml.Build(Guid.NewGuid().ToString("N"), "src.example", "yahoo.com", day1.AddDays(1), null,
                new TestRecord(ip, 30, "quarantine", "fail", "fail"))));
        await Seed.GrainStateAsync(fixture, GrainTypes.SourceIp, ip, SourceState(), version: 7);
        var older = Seed.Decision(ip, "Monitor", ReviewStatus.NotRequired, Seed.Now.AddDays(-3), severity: "Low", score: 0.3);
        var newer = Seed.Decision(ip, "Review", ReviewStatus.Pending, Seed.Now.AddHours(-2));
        await Seed.AddAsync(fixture, older, newer, Seed.Decision("198.51.100.43"));

        var source = await Upload.GetAsync<SourceDto>(Client, $"/api/sources/{ip}");

        Assert.Equal((ip, 7L, 2L), (source.Ip, source.Version, source.RecordCount));
        Assert.Equal([30L, 12L], source.Records.Select(r => r.Count).ToArray());
        Assert.All(source.Records, r => Assert.Equal(ip, r.SourceIp));
        Assert.Equal([newer.Id, older.Id], source.Decisions.Select(d => d.Id).ToArray());
        Assert.Equal(42, source.State!.Value.GetProperty("days")[0].GetProperty("messages").GetInt64());
        Assert.Equal(2, source.State.Value.GetProperty("decisionSequence").GetInt64());
    }

    [Fact]
    public async Task Source_with_records_but_no_grain_yet_is_shown_without_state()
    {
        await Upload.FilesAsync(Client, ("v6.xml", ReportXml.Build(Guid.NewGuid().ToString("N"), "v6.example", records: new TestRecord("2001:db8:feed::25", 4))));

        var source = await Upload.GetAsync<SourceDto>(Client, "/api/sources/2001:DB8:FEED:0::25");

        Assert.Equal(("2001:db8:feed::25", 1L, null), (source.Ip, source.RecordCount, source.Version));
        Assert.Null(source.State);
        Assert.Empty(source.Decisions);
    }

    [Theory]
    [InlineData("192.0.2.251", HttpStatusCode.NotFound)]
    [InlineData("not-an-ip", HttpStatusCode.BadRequest)]
    [InlineData("999.1.1.1", HttpStatusCode.BadRequest)]
    [InlineData("192.0.2.0%2F24", HttpStatusCode.BadRequest)]
    [InlineData("3232235777", HttpStatusCode.BadRequest)]
    public async Task Unknown_source_is_not_found_and_a_malformed_address_is_a_bad_request(string ip, HttpStatusCode expected)
    {
        using var response = await Client.GetAsync($"/api/sources/{ip}");

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Silo_status_shows_the_stored_partition_count_and_the_pending_events()
    {
        await Upload.FilesAsync(Client, ("status.xml", ReportXml.Build(Guid.NewGuid().ToString("N"), "status.example", records: new TestRecord("192.0.2.9", 1))));

        var status = await Upload.GetAsync<GrainRuntimeStatus>(Client, "/api/silo/status");

        var partitions = new GrainClusterOptions().Partitions;
        Assert.Equal(partitions, status.PartitionCount);
        Assert.Equal(Enumerable.Range(0, partitions), status.Partitions.Select(p => p.Partition));
        Assert.True(status.PendingEvents >= 2, $"pending {status.PendingEvents}");
        Assert.Equal(status.PendingEvents, status.Partitions.Sum(p => p.PendingEvents));
        Assert.Equal(0, status.DeadLetters);
    }

    /// <summary>A domain grain's state as the silo writes it (DomainState, camelCase): five days, one folded long ago
    /// and four in or at the edge of the last seven.</summary>
    [Fact]
    public async Task Forecast_of_a_weekly_pattern_follows_the_week_within_its_interval()
    {
        var domain = $"forecast-{Guid.NewGuid():N}.example";
        // Four weeks: 2 % failing on weekdays, 10 % at weekends (by day index), one weekday without mail.
        var first = Today.AddDays(-28);
        static double Rate(int i) => i % 7 is 5 or 6 ? 0.10 : 0.02;
        var days = Enumerable.Range(0, 28).Where(i => i != 10).Select(i => string.Create(CultureInfo.InvariantCulture,
            $$"""{"day":"{{first.AddDays(i):yyyy-MM-dd}}","messages":10000,"dmarcPass":{{(long)(10000 * (1 - Rate(i)))}}}"""));
        await Seed.GrainStateAsync(fixture, GrainTypes.Domain, domain, $$"""{"version":1,"days":[{{string.Join(',', days)}}]}""");

        var forecast = await Upload.GetAsync<DomainForecastDto>(Client, $"/api/domains/{domain}/forecast");
        using var missing = await Client.GetAsync("/api/domains/never-reported.example/forecast");

        Assert.Equal(("HoltWinters", 28), (forecast.Method, forecast.History.Count));
        Assert.Equal((0L, Rate(9)), (forecast.History[10].Messages, forecast.History[10].Rate));
        Assert.Equal(Enumerable.Range(28, 7).Select(i => first.AddDays(i)), forecast.Forecast.Select(f => f.Day));
        foreach (var (day, i) in forecast.Forecast.Select((f, i) => (f, i + 28)))
        {
            Assert.InRange(day.Rate, Rate(i) - 0.02, Rate(i) + 0.02);
            Assert.InRange(day.Rate, day.Lower, day.Upper);
            Assert.InRange(day.Lower, 0, 1);
            Assert.InRange(day.Upper, 0, 1);
        }

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static string DomainState(string domain)
    {
        static string Day(int daysAgo, long messages, long pass, bool folded) => string.Create(CultureInfo.InvariantCulture,
            $$"""{"day":"{{Today.AddDays(-daysAgo):yyyy-MM-dd}}","messages":{{messages}},"dmarcPass":{{pass}},"dkimAligned":{{pass}},"spfAligned":{{pass - 5}},"none":{{messages}},"quarantine":0,"reject":0,"folded":{{(folded ? "true" : "false")}},"failureRate":{{(messages - pass) / (double)messages}}}""");

        var at = (DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
        return $$"""
            {
              "version": 1,
              "days": [
                {{Day(10, 5000, 4000, true)}},
                {{Day(7, 700, 0, true)}},
                {{Day(6, 1000, 990, true)}},
                {{Day(1, 2000, 1950, false)}},
                {{Day(0, 500, 300, false)}}
              ],
              "baselineFailureRate": 0.0125,
              "baselineDays": 14,
              "knownSenders": {
                "209.85.220.41": {"firstPassAt": "{{at(Seed.Now.AddDays(-30))}}", "lastPassAt": "{{at(Seed.Now.AddDays(-1))}}"},
                "40.107.22.51": {"firstPassAt": "{{at(Seed.Now.AddDays(-20))}}", "lastPassAt": "{{at(Seed.Now.AddDays(-1))}}"},
                "2a01:111:f400::5": {"firstPassAt": "{{at(Seed.Now.AddDays(-3))}}", "lastPassAt": "{{at(Seed.Now)}}"}
              },
              "policy": {"p": "reject", "sp": "quarantine", "np": null, "pct": 100, "testing": false, "adkim": "r", "aspf": "s",
                         "asOf": "{{at(Seed.Now.AddDays(-1))}}", "reportId": "{{domain}}-7781"},
              "reporters": {
                "google.com": {"days": ["{{Today.AddDays(-1):yyyy-MM-dd}}", "{{Today:yyyy-MM-dd}}"], "lastReceivedAt": "{{at(Seed.Now)}}", "gapAlerted": false}
              },
              "alerts": {"alerts": [
                {"fingerprint": "9f2c", "ruleKey": "domain.failure-spike", "raisedAt": "{{at(Seed.Now.AddHours(-3))}}",
                 "lastSeenAt": "{{at(Seed.Now)}}", "occurrences": 2, "open": true}
              ]}
            }
            """;
    }

    /// <summary>A source-IP grain's state as the silo writes it (SourceIpState, camelCase).</summary>
    private static string SourceState() => """
        {
          "version": 1,
          "firstSeen": "2026-10-05T00:00:00+00:00",
          "lastSeen": "2026-10-06T23:59:59+00:00",
          "days": [{"day": "2026-10-05", "messages": 42, "failingBoth": 42, "none": 0, "quarantine": 30, "reject": 12}],
          "domains": {"src.example": {"firstSeen": "2026-10-05T00:00:00+00:00", "lastSeen": "2026-10-06T23:59:59+00:00",
                      "messages": 42, "failingBoth": 42, "lastFailedAt": "2026-10-06T23:59:59+00:00"}},
          "anomalyScore": null,
          "offences": [],
          "lastDecision": null,
          "decisionSequence": 2,
          "alerts": {"alerts": []}
        }
        """;
}

[Trait("Provider", "PostgreSql")]
public sealed class GrainsApiPostgreSqlTests(PostgreSqlApiFixture fixture) : GrainsApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class GrainsApiSqliteTests(SqliteApiFixture fixture) : GrainsApiTests(fixture), IClassFixture<SqliteApiFixture>;
