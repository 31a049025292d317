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
        await StoreAsync(ReportBuilder.For(domain).By("gamma").Covering(Jan30.AddDays(30).AddHours(6), TimeSpan.FromDays(1))
            .Record("192.0.2.2", 500, "none", "fail", "fail").Record("198.51.100.4", 3));
        var someRolledUp = await ViewsAsync(domain);
        await RollUpAllAsync();

        Assert.Equal(nothingRolledUp, everyRolledUp);
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
        };
        var views = new JsonArray();
        foreach (var filter in filters)
        {
            var stats = fixture.Stats;
            views.Add(Rounded(JsonSerializer.SerializeToNode(new
            {
                Dashboard = await stats.DashboardAsync(filter, 10, 10, CancellationToken.None),
                Summary = await stats.SummaryAsync(filter, CancellationToken.None),
                Domains = await stats.DomainsAsync(filter, 10, CancellationToken.None),
                Failing = await stats.SourcesPageAsync(filter, new PageRequest(1, 2), SourceRanking.Failing, CancellationToken.None),
                Totals = (await stats.SourceTotalsAsync(filter, CancellationToken.None)).OrderBy(t => t.SourceIp, StringComparer.Ordinal),
                First = filter.From is { } from && filter.To is { } to ? await stats.DomainSourcesAsync(from, to, CancellationToken.None) : null,
            })));
        }

        return views.ToJsonString();
    }

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
