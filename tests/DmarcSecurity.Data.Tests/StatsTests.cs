using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Data.Tests;

/// <param name="rolledUp">Whether each stored report is rolled up at once (the views then read the rollups where the
/// period allows) or left waiting in the queue (the views read its records).</param>
public abstract class StatsTests(DataFixture fixture, bool rolledUp)
{
    private static readonly DateTimeOffset Day0 = new(2025, 9, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Summary_counts_reports_records_messages_passing_sources_and_dispositions()
    {
        var s = await SeedAsync();

        var summary = await fixture.Stats.SummaryAsync(new ReportFilter(Domain: s.Domain.ToUpperInvariant()), CancellationToken.None);

        Assert.Equal((2L, 4L, 200L, 190L, 10L, 1L, 3L, 2L),
            (summary.Reports, summary.Records, summary.Messages, summary.Passing, summary.Failing, summary.Domains, summary.Sources, summary.Reporters));
        Assert.Equal(0.95, summary.PassRate, 6);
        Assert.Equal(new Dictionary<string, long> { ["none"] = 160, ["quarantine"] = 30, ["reject"] = 10 }, summary.Dispositions);
    }

    [Fact]
    public async Task Summary_with_a_partial_range_counts_each_report_in_proportion_to_its_time_inside()
    {
        var s = await SeedAsync();

        // Half of report A (24 h from Day0) and a quarter of report B (48 h from Day1).
        var summary = await fixture.Stats.SummaryAsync(
            new ReportFilter(Domain: s.Domain, From: Day0.AddHours(12), To: Day0.AddHours(36)), CancellationToken.None);
        // Only report B, 12 of its 48 hours.
        var laterHalfDay = await fixture.Stats.SummaryAsync(
            new ReportFilter(Domain: s.Domain, From: Day0.AddHours(36), To: Day0.AddHours(48)), CancellationToken.None);

        Assert.Equal((2L, 4L, 75L, 70L, 5L), (summary.Reports, summary.Records, summary.Messages, summary.Passing, summary.Failing));
        Assert.Equal(new Dictionary<string, long> { ["none"] = 55, ["quarantine"] = 15, ["reject"] = 5 }, summary.Dispositions);
        Assert.Equal((1L, 1L, 25L, 25L, 0L, 1L), (laterHalfDay.Reports, laterHalfDay.Records, laterHalfDay.Messages, laterHalfDay.Passing, laterHalfDay.Failing, laterHalfDay.Sources));
    }

    [Fact]
    public async Task Timeline_spreads_a_48_hour_report_evenly_over_its_two_days()
    {
        var domain = ReportBuilder.UniqueDomain();
        await StoreAsync(ReportBuilder.For(domain).Covering(Day0, TimeSpan.FromHours(48)).Record("192.0.2.1", 100, "none", "pass", "fail"));

        var timeline = await fixture.Stats.TimelineAsync(new ReportFilter(Domain: domain), CancellationToken.None);

        Assert.Equal([DateOnly.FromDateTime(Day0.UtcDateTime), DateOnly.FromDateTime(Day0.UtcDateTime.AddDays(1))], timeline.Select(p => p.Day));
        Assert.All(timeline, p => AssertPoint(p, messages: 50, passing: 50, dkim: 50, spf: 0, none: 50, quarantine: 0, reject: 0));
    }

    [Fact]
    public async Task Timeline_splits_a_report_that_starts_mid_day_by_time_and_adds_reports_of_the_same_day()
    {
        var s = await SeedAsync();
        await StoreAsync(ReportBuilder.For(s.Domain).By(s.Alpha).Covering(Day0.AddDays(3).AddHours(18), TimeSpan.FromHours(24)).Record("192.0.2.1", 100));

        var timeline = await fixture.Stats.TimelineAsync(new ReportFilter(Domain: s.Domain), CancellationToken.None);

        Assert.Equal(5, timeline.Count);
        AssertPoint(timeline[0], messages: 100, passing: 90, dkim: 60, spf: 90, none: 60, quarantine: 30, reject: 10);
        AssertPoint(timeline[1], messages: 50, passing: 50, dkim: 50, spf: 0, none: 50, quarantine: 0, reject: 0);
        AssertPoint(timeline[2], messages: 50, passing: 50, dkim: 50, spf: 0, none: 50, quarantine: 0, reject: 0);
        AssertPoint(timeline[3], messages: 25, passing: 25, dkim: 25, spf: 25, none: 25, quarantine: 0, reject: 0);
        AssertPoint(timeline[4], messages: 75, passing: 75, dkim: 75, spf: 75, none: 75, quarantine: 0, reject: 0);
        Assert.Equal(DateOnly.FromDateTime(Day0.UtcDateTime.AddDays(4)), timeline[4].Day);
    }

    [Fact]
    public async Task Timeline_with_a_range_keeps_only_the_time_inside_it()
    {
        var s = await SeedAsync();

        var timeline = await fixture.Stats.TimelineAsync(
            new ReportFilter(Domain: s.Domain, From: Day0.AddHours(12), To: Day0.AddHours(36)), CancellationToken.None);

        Assert.Equal(2, timeline.Count);
        AssertPoint(timeline[0], messages: 50, passing: 45, dkim: 30, spf: 45, none: 30, quarantine: 15, reject: 5);
        AssertPoint(timeline[1], messages: 25, passing: 25, dkim: 25, spf: 0, none: 25, quarantine: 0, reject: 0);
    }

    [Fact]
    public async Task Domains_rank_by_messages_with_pass_rate_and_distinct_sources()
    {
        var s = await SeedAsync();

        var domains = await fixture.Stats.DomainsAsync(new ReportFilter(Reporter: s.Alpha), 10, CancellationToken.None);
        var top1 = await fixture.Stats.DomainsAsync(new ReportFilter(Reporter: s.Alpha), 1, CancellationToken.None);

        Assert.Equal(2, domains.Count);
        Assert.Equal(new DomainStatsDto(s.Domain, 1, 100, 90, 10, 0.9, 3), domains[0]);
        Assert.Equal((s.OtherDomain, 1L, 45L, 5L, 40L, 2L), (domains[1].Domain, domains[1].Reports, domains[1].Messages, domains[1].Passing, domains[1].Failing, domains[1].Sources));
        Assert.Equal(5.0 / 45, domains[1].PassRate, 6);
        Assert.Equal([s.Domain], top1.Select(d => d.Domain));
    }

    [Fact]
    public async Task Sources_rank_by_messages_with_failure_rate_and_distinct_domains()
    {
        var s = await SeedAsync();

        var sources = await fixture.Stats.SourcesAsync(new ReportFilter(Reporter: s.Alpha), 2, SourceRanking.Messages, CancellationToken.None);
        var ofDomain = await fixture.Stats.SourcesAsync(new ReportFilter(Domain: s.Domain), 10, SourceRanking.Messages, CancellationToken.None);
        // Over every domain, so also over the other tests' sources in this database: the order of the seed's two.
        var failing = await fixture.Stats.SourcesAsync(new ReportFilter(), 100, SourceRanking.Failing, CancellationToken.None);

        Assert.Equal([new SourceStatsDto("192.0.2.1", 65, 0, 0, 2), new SourceStatsDto("203.0.113.9", 40, 40, 1, 1)], sources);
        Assert.Equal(
            [new SourceStatsDto("192.0.2.1", 160, 0, 0, 1), new SourceStatsDto("192.0.2.2", 30, 0, 0, 1), new SourceStatsDto("198.51.100.1", 10, 10, 1, 1)],
            ofDomain);
        Assert.Equal(["203.0.113.9", "198.51.100.1"], failing.Select(f => f.SourceIp).Where(ip => ip is "203.0.113.9" or "198.51.100.1"));
        Assert.All(failing, f => Assert.True(f.Failing > 0));
    }

    [Fact]
    public async Task A_mailing_list_the_receiver_named_is_counted_as_forwarded_and_does_not_rank_among_the_failing()
    {
        var domain = ReportBuilder.UniqueDomain("fwd");
        static ReportRecord Reason(ReportRecord record, string type) => record with { Reasons = [new PolicyOverrideReason(type, "list")] };
        await StoreAsync(ReportBuilder.For(domain).Covering(Day0, TimeSpan.FromDays(1))
            .Record("192.0.2.50", 500, "none", "fail", "fail", r => Reason(r, "mailing_list"))
            .Record("192.0.2.50", 20, "reject", "fail", "fail")
            .Record("198.51.100.60", 40, "reject", "fail", "fail")
            .Record("203.0.113.70", 300, "none", "fail", "fail", r => Reason(r, "Forwarded"))
            .Record("192.0.2.80", 1000));

        var filter = new ReportFilter(Domain: domain);
        var failing = await fixture.Stats.SourcesAsync(filter, 10, SourceRanking.Failing, CancellationToken.None);
        var byMessages = await fixture.Stats.SourcesAsync(filter, 10, SourceRanking.Messages, CancellationToken.None);
        var dashboard = await fixture.Stats.DashboardAsync(filter, 10, 10, CancellationToken.None);

        // The list's own 20 unexplained failures rank below the 40 of a source no forwarder explains; the forwarder whose
        // every failure is explained is not among the failing at all.
        Assert.Equal(
            [new SourceStatsDto("198.51.100.60", 40, 40, 1, 1), new SourceStatsDto("192.0.2.50", 520, 520, 1, 1, Forwarded: 500)],
            failing);
        Assert.Equal(failing, dashboard.TopFailing);
        Assert.Equal(
            [("192.0.2.80", 0L), ("192.0.2.50", 500L), ("203.0.113.70", 300L), ("198.51.100.60", 0L)],
            byMessages.Select(s => (s.SourceIp, s.Forwarded)));
        Assert.Equal(byMessages, dashboard.TopSources);
        await using var context = fixture.CreateContext();
        Assert.Equal(
            ["-", "-", "-", "forwarded", "mailing_list"],
            (await context.Records.Where(r => r.Report!.PolicyDomain == domain).Select(r => r.Forwarding ?? "-").ToListAsync()).Order());
    }

    [Fact]
    public async Task Sources_page_through_every_address_in_the_ranking_order_with_the_total_it_lists()
    {
        var domain = ReportBuilder.UniqueDomain("page");
        var builder = ReportBuilder.For(domain).Covering(Day0, TimeSpan.FromDays(1));
        for (var i = 1; i <= 7; i++)
        {
            builder.Record($"192.0.2.{i}", i * 10, "reject", i % 2 == 0 ? "pass" : "fail", "fail");
        }

        await StoreAsync(builder);
        var filter = new ReportFilter(Domain: domain);

        var first = await fixture.Stats.SourcesPageAsync(filter, new PageRequest(1, 3), SourceRanking.Messages, CancellationToken.None);
        var third = await fixture.Stats.SourcesPageAsync(filter, new PageRequest(3, 3), SourceRanking.Messages, CancellationToken.None);
        var past = await fixture.Stats.SourcesPageAsync(filter, new PageRequest(4, 3), SourceRanking.Messages, CancellationToken.None);
        var failing = await fixture.Stats.SourcesPageAsync(filter, new PageRequest(1, 10), SourceRanking.Failing, CancellationToken.None);

        Assert.Equal((7L, 1, 3), (first.TotalCount, first.Page, first.PageSize));
        Assert.Equal(["192.0.2.7", "192.0.2.6", "192.0.2.5"], first.Items.Select(s => s.SourceIp));
        Assert.Equal(["192.0.2.1"], third.Items.Select(s => s.SourceIp));
        Assert.Empty(past.Items);
        Assert.Equal(7, past.TotalCount);
        Assert.Equal(4, failing.TotalCount);
        Assert.Equal(["192.0.2.7", "192.0.2.5", "192.0.2.3", "192.0.2.1"], failing.Items.Select(s => s.SourceIp));
    }

    [Fact]
    public async Task Source_totals_give_every_address_its_messages_and_failing_weighted_by_the_range()
    {
        // Few failing messages: the other tests rank the failing sources of the whole database.
        var domain = ReportBuilder.UniqueDomain("totals");
        var builder = ReportBuilder.For(domain).Covering(Day0, TimeSpan.FromDays(1))
            .Record("192.0.2.1", 100, "none", "pass", "fail")
            .Record("192.0.2.1", 4, "reject", "fail", "fail")
            .Record("2001:db8::25", 6, "reject", "fail", "fail");
        for (var i = 10; i < 15; i++)
        {
            builder.Record($"198.51.100.{i}", 2, "none", "pass", "pass");
        }

        await StoreAsync(builder);

        var all = await fixture.Stats.SourceTotalsAsync(new ReportFilter(Domain: domain), CancellationToken.None);
        var half = await fixture.Stats.SourceTotalsAsync(new ReportFilter(Domain: domain, From: Day0.AddHours(12)), CancellationToken.None);

        Assert.Equal(7, all.Count);
        Assert.Equal(
            [("192.0.2.1", 104.0, 4.0), ("198.51.100.10", 2.0, 0.0), ("198.51.100.11", 2.0, 0.0), ("198.51.100.12", 2.0, 0.0),
                ("198.51.100.13", 2.0, 0.0), ("198.51.100.14", 2.0, 0.0), ("2001:db8::25", 6.0, 6.0)],
            all.Select(s => (SourceIp: s.SourceIp.ToString(), s.Messages, s.Failing)).OrderBy(s => s.SourceIp, StringComparer.Ordinal));
        Assert.Equal((52.0, 2.0), half.Where(s => s.SourceIp.ToString() == "192.0.2.1").Select(s => (s.Messages, s.Failing)).Single());
    }

    [Fact]
    public async Task Alignment_splits_messages_by_dkim_and_spf_results()
    {
        var s = await SeedAsync();

        var all = await fixture.Stats.AlignmentAsync(new ReportFilter(Domain: s.Domain), CancellationToken.None);
        var partial = await fixture.Stats.AlignmentAsync(new ReportFilter(Domain: s.Domain, From: Day0.AddHours(36), To: Day0.AddHours(48)), CancellationToken.None);

        Assert.Equal(new AlignmentDto(200, 160, 90, 60, 100, 30, 10), all);
        Assert.Equal(new AlignmentDto(25, 25, 0, 0, 25, 0, 0), partial);
    }

    [Fact]
    public async Task Reporters_rank_by_messages()
    {
        var s = await SeedAsync();
        await StoreAsync(ReportBuilder.For(s.Domain).By(s.Beta).Covering(Day0.AddDays(7), TimeSpan.FromDays(1)).Record("192.0.2.77", 1, "reject", "fail", "fail"));

        var reporters = await fixture.Stats.ReportersAsync(new ReportFilter(Domain: s.Domain), 10, CancellationToken.None);

        Assert.Equal([(s.Beta, 2L, 101L, 100L, 1L, s.Beta), (s.Alpha, 1L, 100L, 90L, 10L, s.Alpha)],
            reporters.Select(r => (r.OrgName, r.Reports, r.Messages, r.Passing, r.Failing, r.Reporter)));
    }

    [Fact]
    public async Task A_reporter_that_goes_by_several_names_is_one_reporter_the_domain_of_its_address()
    {
        var domain = ReportBuilder.UniqueDomain("names");
        ReportBuilder From(string name) => ReportBuilder.For(domain).By(name)
            .With(r => r with { ReporterEmail = name == "Yahoo" ? null : "dmarcreport@Microsoft.com" });
        await StoreAsync(From("Enterprise Outlook").Covering(Day0, TimeSpan.FromDays(1)).Record("192.0.2.1", 70));
        await StoreAsync(From("Outlook.com").Covering(Day0, TimeSpan.FromDays(1)).Record("192.0.2.1", 30, "reject", "fail", "fail"));
        await StoreAsync(From("Outlook.com").Covering(Day0.AddDays(1), TimeSpan.FromDays(1)).Record("192.0.2.2", 50));
        await StoreAsync(From("Yahoo").Covering(Day0, TimeSpan.FromDays(1)).Record("192.0.2.3", 5));

        var reporters = await fixture.Stats.ReportersAsync(new ReportFilter(Domain: domain), 10, CancellationToken.None);
        var summary = await fixture.Stats.SummaryAsync(new ReportFilter(Domain: domain), CancellationToken.None);
        var oneReporter = await fixture.Stats.SummaryAsync(new ReportFilter(Domain: domain, Reporter: "MICROSOFT.COM"), CancellationToken.None);
        var oneName = await fixture.Stats.SummaryAsync(new ReportFilter(Domain: domain, Reporter: "outlook.com"), CancellationToken.None);
        var listed = await fixture.Reports.ListReportsAsync(new ReportFilter(Domain: domain, Reporter: "microsoft.com"), new PageRequest(1, 10), CancellationToken.None);

        Assert.Equal([("Outlook.com", 3L, 150L, 120L, "microsoft.com", "Enterprise Outlook, Outlook.com"), ("Yahoo", 1L, 5L, 5L, "yahoo", "Yahoo")],
            reporters.Select(r => (r.OrgName, r.Reports, r.Messages, r.Passing, r.Reporter, string.Join(", ", r.Names!))));
        Assert.Equal(2, summary.Reporters);
        Assert.Equal((3L, 150L), (oneReporter.Reports, oneReporter.Messages));
        Assert.Equal((2L, 80L), (oneName.Reports, oneName.Messages));
        Assert.Equal(3, listed.TotalCount);
    }

    [Fact]
    public async Task Dashboard_gives_the_figures_of_the_separate_queries_in_one_answer()
    {
        var s = await SeedAsync();

        foreach (var filter in new[]
        {
            new ReportFilter(Reporter: s.Alpha),
            new ReportFilter(Domain: s.Domain, From: Day0.AddHours(12), To: Day0.AddHours(36)),
            new ReportFilter(Domain: "nothing-here.example"),
        })
        {
            var dashboard = await fixture.Stats.DashboardAsync(filter, 10, 10, CancellationToken.None);

            var summary = await fixture.Stats.SummaryAsync(filter, CancellationToken.None);
            Assert.Equal(summary with { Dispositions = dashboard.Summary.Dispositions }, dashboard.Summary);
            Assert.Equal(summary.Dispositions, dashboard.Summary.Dispositions.Where(d => d.Value > 0).ToDictionary());
            Assert.Equal(await fixture.Stats.TimelineAsync(filter, CancellationToken.None), dashboard.Timeline);
            Assert.Equal(await fixture.Stats.AlignmentAsync(filter, CancellationToken.None), dashboard.Alignment);
            Assert.Equal(await fixture.Stats.SourcesAsync(filter, 10, SourceRanking.Messages, CancellationToken.None), dashboard.TopSources);
            Assert.Equal(await fixture.Stats.SourcesAsync(filter, 10, SourceRanking.Failing, CancellationToken.None), dashboard.TopFailing);
            Assert.Equal(
                (await fixture.Stats.ReportersAsync(filter, 10, CancellationToken.None)).Select(r => r with { Names = null }),
                dashboard.Reporters.Select(r => r with { Names = null }));
            Assert.Equal(
                (await fixture.Stats.ReportersAsync(filter, 10, CancellationToken.None)).SelectMany(r => r.Names!),
                dashboard.Reporters.SelectMany(r => r.Names!));
            Assert.Equal(await fixture.Stats.DomainsAsync(filter, 10, CancellationToken.None), dashboard.Domains);
        }
    }

    [Fact]
    public async Task Stats_of_nothing_are_zero()
    {
        var filter = new ReportFilter(Domain: "nothing-here.example");

        var summary = await fixture.Stats.SummaryAsync(filter, CancellationToken.None);

        Assert.Equal((0L, 0L, 0L, 0.0, 0L), (summary.Reports, summary.Messages, summary.Sources, summary.PassRate, summary.Reporters));
        Assert.Empty(summary.Dispositions);
        Assert.Empty(await fixture.Stats.TimelineAsync(filter, CancellationToken.None));
        Assert.Empty(await fixture.Stats.DomainsAsync(filter, 5, CancellationToken.None));
        Assert.Empty(await fixture.Stats.SourcesAsync(filter, 5, SourceRanking.Failing, CancellationToken.None));
        Assert.Empty(await fixture.Stats.ReportersAsync(filter, 5, CancellationToken.None));
        Assert.Equal(new AlignmentDto(0, 0, 0, 0, 0, 0, 0), await fixture.Stats.AlignmentAsync(filter, CancellationToken.None));
    }

    private static void AssertPoint(TimelinePointDto point, double messages, double passing, double dkim, double spf, double none, double quarantine, double reject)
    {
        Assert.Equal(messages, point.Messages, 6);
        Assert.Equal(passing, point.Passing, 6);
        Assert.Equal(messages - passing, point.Failing, 6);
        Assert.Equal(dkim, point.DkimAlignedPass, 6);
        Assert.Equal(spf, point.SpfAlignedPass, 6);
        Assert.Equal(none, point.None, 6);
        Assert.Equal(quarantine, point.Quarantine, 6);
        Assert.Equal(reject, point.Reject, 6);
    }

    /// <summary>
    /// Domain D: report A (alpha, Day0, 24 h): 60 none dkim+spf pass, 30 quarantine spf-only pass, 10 reject failing;
    ///           report B (beta, Day1, 48 h): 100 none dkim-only pass.
    /// Domain D2: report C (alpha, Day0, 24 h): 40 none failing from 203.0.113.9, 5 passing from 192.0.2.1.
    /// </summary>
    private async Task<Seed> SeedAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var seed = new Seed(ReportBuilder.UniqueDomain("main"), ReportBuilder.UniqueDomain("other"), "alpha-" + suffix, "beta-" + suffix);
        await StoreAsync(ReportBuilder.For(seed.Domain).By(seed.Alpha).Covering(Day0, TimeSpan.FromHours(24))
            .Record("192.0.2.1", 60, "none", "pass", "pass")
            .Record("192.0.2.2", 30, "quarantine", "fail", "pass")
            .Record("198.51.100.1", 10, "reject", "fail", "fail"));
        await StoreAsync(ReportBuilder.For(seed.Domain).By(seed.Beta).Covering(Day0.AddDays(1), TimeSpan.FromHours(48))
            .Record("192.0.2.1", 100, "none", "pass", "fail"));
        await StoreAsync(ReportBuilder.For(seed.OtherDomain).By(seed.Alpha).Covering(Day0, TimeSpan.FromHours(24))
            .Record("203.0.113.9", 40, "none", "fail", "fail")
            .Record("192.0.2.1", 5, "none", "pass", "pass"));
        return seed;
    }

    private async Task StoreAsync(ReportBuilder builder)
    {
        var report = builder.Extract();
        var result = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(report), [report], CancellationToken.None);
        Assert.Equal(FileOutcome.Stored, result.Outcome);
        while (rolledUp && await fixture.Services.GetRequiredService<ISourceRollups>().RollUpAsync(CancellationToken.None) > 0)
        {
        }
    }

    private sealed record Seed(string Domain, string OtherDomain, string Alpha, string Beta);
}

public sealed class StatsTestsOnPostgreSql(PostgreSqlFixture fixture) : StatsTests(fixture, rolledUp: false), IClassFixture<PostgreSqlFixture>;

public sealed class StatsTestsOnSqlite(SqliteFixture fixture) : StatsTests(fixture, rolledUp: false), IClassFixture<SqliteFixture>;

public sealed class StatsTestsOnPostgreSqlRolledUp(PostgreSqlFixture fixture) : StatsTests(fixture, rolledUp: true), IClassFixture<PostgreSqlFixture>;

public sealed class StatsTestsOnSqliteRolledUp(SqliteFixture fixture) : StatsTests(fixture, rolledUp: true), IClassFixture<SqliteFixture>;
