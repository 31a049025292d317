using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DmarcSecurity.Data.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Data.Tests;

/// <summary>The rollups by day and month give the views the same answers as the records they were rolled up from,
/// whether every report, none or some are rolled up, and roll each report up once.</summary>
public abstract class SourceRollupTests(DataFixture fixture)
{
    private static readonly DateTimeOffset Jan30 = new(2024, 1, 30, 0, 0, 0, TimeSpan.Zero);

    private ISourceRollups Rollups => fixture.Services.GetRequiredService<ISourceRollups>();

    [Fact]
    public async Task A_report_across_a_month_end_is_rolled_up_into_its_days_and_months_in_proportion_to_time()
    {
        var domain = ReportBuilder.UniqueDomain("split");
        await StoreAsync(ReportBuilder.For(domain).Covering(Jan30.AddDays(1).AddHours(12), TimeSpan.FromHours(48))
            .Record("192.0.2.1", 400, "none", "fail", "fail")
            .Record("192.0.2.1", 100, "none", "fail", "fail", r => r with { Reasons = [new PolicyOverrideReason("forwarded", null)] })
            .Record("198.51.100.2", 40));
        await RollUpAllAsync();

        await using var context = fixture.CreateContext();
        Assert.Equal(
            [
                "day 2024-01-31 192.0.2.1 125 125 25", "day 2024-01-31 198.51.100.2 10 0 0",
                "day 2024-02-01 192.0.2.1 250 250 50", "day 2024-02-01 198.51.100.2 20 0 0",
                "day 2024-02-02 192.0.2.1 125 125 25", "day 2024-02-02 198.51.100.2 10 0 0",
                "month 2024-01-01 192.0.2.1 125 125 25", "month 2024-01-01 198.51.100.2 10 0 0",
                "month 2024-02-01 192.0.2.1 375 375 75", "month 2024-02-01 198.51.100.2 30 0 0",
            ],
            await RowsAsync(context, domain));
        Assert.Equal(0, await Rollups.RollUpAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_views_answer_the_same_with_every_some_or_no_report_rolled_up()
    {
        var domain = ReportBuilder.UniqueDomain("same");
        var other = ReportBuilder.UniqueDomain("same");
        await StoreAsync(ReportBuilder.For(domain).By("alpha").Covering(Jan30, TimeSpan.FromDays(1))
            .Record("192.0.2.1", 300).Record("192.0.2.2", 30, "quarantine", "fail", "fail").Record("203.0.113.3", 7, "reject", "fail", "fail"));
        await StoreAsync(ReportBuilder.For(domain).By("beta").Covering(Jan30.AddDays(1).AddHours(18), TimeSpan.FromHours(30))
            .Record("192.0.2.1", 90, "none", "pass", "fail")
            .Record("192.0.2.9", 60, "none", "fail", "fail", r => r with { Reasons = [new PolicyOverrideReason("mailing_list", null)] }));
        await StoreAsync(ReportBuilder.For(other).Covering(Jan30.AddDays(2), TimeSpan.Zero).Record("203.0.113.3", 11, "none", "fail", "fail"));
        var nothingRolledUp = await ViewsAsync(domain);

        await RollUpAllAsync();
        var everyRolledUp = await ViewsAsync(domain);
        await PackAllAsync();
        var everyPacked = await ViewsAsync(domain);
        await StoreAsync(ReportBuilder.For(domain).By("gamma").Covering(Jan30.AddDays(30).AddHours(6), TimeSpan.FromDays(1))
            .Record("192.0.2.2", 500, "none", "fail", "fail").Record("198.51.100.4", 3));
        var someRolledUp = await ViewsAsync(domain);
        await RollUpAllAsync();
        var someNotPacked = await ViewsAsync(domain);
        await PackAllAsync();

        Assert.Equal(nothingRolledUp, everyRolledUp);
        Assert.Equal(nothingRolledUp, everyPacked);
        Assert.Equal(someRolledUp, someNotPacked);
        Assert.Equal(someRolledUp, await ViewsAsync(domain));
        Assert.NotEqual(everyRolledUp, someRolledUp);
        Assert.Contains("\"192.0.2.9\"", everyRolledUp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_roll_ups_at_once_add_each_report_once()
    {
        var domain = ReportBuilder.UniqueDomain("once");
        for (var i = 0; i < 30; i++)
        {
            await StoreAsync(ReportBuilder.For(domain).By($"r{i}").Covering(Jan30.AddDays(i % 3), TimeSpan.FromDays(1)).Record("192.0.2.1", 10));
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(RollUpAllAsync)));

        await using var context = fixture.CreateContext();
        Assert.Equal(["day 2024-01-30 192.0.2.1 100 0 0", "day 2024-01-31 192.0.2.1 100 0 0", "day 2024-02-01 192.0.2.1 100 0 0",
            "month 2024-01-01 192.0.2.1 200 0 0", "month 2024-02-01 192.0.2.1 100 0 0"], await RowsAsync(context, domain));
    }

    /// <summary>The views of every filter whose period the rollups serve, and one they do not, as JSON with rates rounded.</summary>
    private async Task<string> ViewsAsync(string domain)
    {
        var filters = new[]
        {
            new ReportFilter(Domain: domain),
            new ReportFilter(Domain: domain, From: Jan30, To: Jan30.AddDays(40)),
            new ReportFilter(Domain: domain, From: Jan30.AddDays(1), To: Jan30.AddDays(3)),
            new ReportFilter(Domain: domain, From: Jan30.AddDays(2), To: Jan30.AddDays(3)),
            new ReportFilter(Domain: domain, From: new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero)),
            new ReportFilter(Domain: domain, To: new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero)),
            new ReportFilter(Domain: domain, Reporter: "beta"),
            new ReportFilter(From: Jan30, To: Jan30.AddDays(3)),
            new ReportFilter(From: Jan30, To: Jan30.AddDays(40)),
            new ReportFilter(),
            // Cut inside days: the rollups serve the whole days, the records the parts at either end.
            new ReportFilter(Domain: domain, From: Jan30.AddHours(6), To: Jan30.AddDays(2).AddHours(20)),
            new ReportFilter(Domain: domain, From: Jan30.AddDays(1).AddHours(21), To: Jan30.AddDays(31)),
            new ReportFilter(From: Jan30.AddHours(6), To: Jan30.AddDays(40).AddMinutes(1)),
            new ReportFilter(Domain: domain, From: Jan30.AddDays(2).AddHours(1), To: Jan30.AddDays(2).AddHours(3)),
        };
        var views = new JsonArray();
        foreach (var filter in filters)
        {
            views.Add(await ViewAsync(fixture.Stats, filter));
        }

        return views.ToJsonString();
    }

    [Fact]
    public async Task Views_over_every_domain_answer_the_same_from_the_packs_as_from_the_rows()
    {
        // Three domains over 40 days from 90 addresses (IPv4 and IPv6, some sending for several domains, equal counts
        // to exercise the order by address), some reports over three days (shares of a quarter and a half: sums of
        // fractions that binary doubles hold exactly, so that equal totals stay equal whatever order they are summed in).
        var domains = Enumerable.Range(0, 3).Select(_ => ReportBuilder.UniqueDomain("packs")).ToList();
        for (var day = 0; day < 40; day++)
        {
            for (var d = 0; d < domains.Count; d++)
            {
                var builder = ReportBuilder.For(domains[d]).By($"r{day % 2}").Covering(Jan30.AddDays(day).AddHours(day % 5 == 0 ? 12 : 0), TimeSpan.FromHours(day % 5 == 0 ? 48 : 24));
                for (var a = 0; a < 30; a++)
                {
                    var n = (a * 7 + day + d) % 90;
                    var ip = n % 3 == 0 ? $"2001:db8::{n:x}" : $"198.51.{n % 4}.{n}";
                    var count = 1 + (n * 13 + day) % 6;
                    builder = (n % 4) switch
                    {
                        0 => builder.Record(ip, count),
                        1 => builder.Record(ip, count, "reject", "fail", "fail"),
                        2 => builder.Record(ip, count, "none", "fail", "fail", r => r with { Reasons = [new PolicyOverrideReason("forwarded", null)] }),
                        _ => builder.Record(ip, count, "none", "pass", "fail"),
                    };
                }

                await StoreAsync(builder);
            }
        }

        await RollUpAllAsync();
        await PackAllAsync();
        // And a day and month not packed since, and a report not rolled up.
        await StoreAsync(ReportBuilder.For(domains[1]).By("later").Covering(Jan30.AddDays(4), TimeSpan.FromDays(1)).Record("2001:db8::ffff", 3, "none", "pass", "pass"));
        await RollUpAllAsync();
        await StoreAsync(ReportBuilder.For(domains[0]).By("late").Covering(Jan30.AddDays(10), TimeSpan.FromDays(1)).Record("203.0.113.250", 4000, "none", "fail", "fail"));
        var rows = new StatsQueries(fixture.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>(), fixture.Services.GetRequiredService<ISqlDialect>())
        {
            UsePacks = false,
        };
        foreach (var filter in new[]
                 {
                     new ReportFilter(), new ReportFilter(From: Jan30, To: Jan30.AddDays(40)), new ReportFilter(From: Jan30.AddDays(3), To: Jan30.AddDays(35)),
                     new ReportFilter(From: Jan30.AddDays(5), To: Jan30.AddDays(6)), new ReportFilter(To: Jan30.AddDays(20)),
                     new ReportFilter(From: Jan30.AddDays(3).AddHours(6), To: Jan30.AddDays(35).AddHours(12)),
                 })
        {
            var packed = await ViewAsync(fixture.Stats, filter);
            Assert.Equal((await ViewAsync(rows, filter))!.ToJsonString(), packed!.ToJsonString());
            var page = await fixture.Stats.SourcesPageAsync(filter, new PageRequest(3, 7), SourceRanking.Messages, CancellationToken.None);
            Assert.Equal(JsonSerializer.Serialize(await rows.SourcesPageAsync(filter, new PageRequest(3, 7), SourceRanking.Messages, CancellationToken.None)),
                JsonSerializer.Serialize(page));
        }

        var all = await fixture.Stats.DashboardAsync(new ReportFilter(From: Jan30, To: Jan30.AddDays(40)), 5, 5, CancellationToken.None);
        Assert.Equal("203.0.113.250", all.TopFailing[0].SourceIp);
        Assert.True(all.Summary.Sources >= 91);
    }

    /// <summary>The views of one filter, as JSON with rates rounded.</summary>
    private static async Task<JsonNode?> ViewAsync(IStatsQueries stats, ReportFilter filter) =>
        Rounded(JsonSerializer.SerializeToNode(new
        {
            Dashboard = await stats.DashboardAsync(filter, 10, 10, CancellationToken.None),
            Summary = await stats.SummaryAsync(filter, CancellationToken.None),
            Domains = await stats.DomainsAsync(filter, 10, CancellationToken.None),
            Failing = await stats.SourcesPageAsync(filter, new PageRequest(1, 2), SourceRanking.Failing, CancellationToken.None),
            Sources = await stats.SourcesAsync(filter, 12, SourceRanking.Messages, CancellationToken.None),
            Totals = (await stats.SourceTotalsAsync(filter, CancellationToken.None)).Select(t => new { SourceIp = t.SourceIp.ToString(), t.Messages, t.Failing })
                .OrderBy(t => t.SourceIp, StringComparer.Ordinal),
            First = filter.From is { } from && filter.To is { } to ? await stats.DomainSourcesAsync(from, to, CancellationToken.None) : null,
        }));

    private static JsonNode? Rounded(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    o[key] = Rounded(value?.DeepClone());
                }

                return o;
            case JsonArray a:
                return new JsonArray([.. a.Select(v => Rounded(v?.DeepClone()))]);
            case JsonValue v when v.TryGetValue<double>(out var d):
                return JsonValue.Create(Math.Round(d, 9));
            default:
                return node;
        }
    }

    private async Task RollUpAllAsync()
    {
        while (await Rollups.RollUpAsync(CancellationToken.None) > 0)
        {
        }
    }

    private async Task PackAllAsync()
    {
        while (await Rollups.PackAsync(CancellationToken.None) > 0)
        {
        }
    }

    private static async Task<List<string>> RowsAsync(DmarcDbContext context, string domain)
    {
        var rows = new List<string>();
        await context.Database.OpenConnectionAsync();
        foreach (var (table, column) in new[] { ("source_days", "day"), ("source_months", "month") })
        {
            await using var command = context.Database.GetDbConnection().CreateCommand();
            command.CommandText = $"SELECT {column}, source_ip, messages, failing, forwarded FROM {table} WHERE domain = @d";
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@d";
            parameter.Value = domain;
            command.Parameters.Add(parameter);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var at = reader.GetValue(0) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : reader.GetFieldValue<DateTimeOffset>(0);
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{column} {at.UtcDateTime:yyyy-MM-dd} {reader.GetValue(1)} {reader.GetDouble(2):0.##} {reader.GetDouble(3):0.##} {reader.GetDouble(4):0.##}"));
            }
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private async Task StoreAsync(ReportBuilder builder)
    {
        var report = builder.Extract();
        Assert.Equal(FileOutcome.Stored, (await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(report), [report], CancellationToken.None)).Outcome);
    }
}

public sealed class SourceRollupTestsOnPostgreSql(PostgreSqlFixture fixture) : SourceRollupTests(fixture), IClassFixture<PostgreSqlFixture>;

public sealed class SourceRollupTestsOnSqlite(SqliteFixture fixture) : SourceRollupTests(fixture), IClassFixture<SqliteFixture>;
