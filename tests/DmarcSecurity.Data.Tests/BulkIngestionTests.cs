using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace DmarcSecurity.Data.Tests;

public abstract class BulkIngestionTests(DataFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Large_reports_are_stored_completely_and_the_rate_is_reported()
    {
        const int files = 20;
        const int recordsPerReport = 1000;
        var domain = ReportBuilder.UniqueDomain("bulk");
        var inputs = Enumerable.Range(0, files)
            .Select(i => ReportBuilder.For(domain).Covering(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(i), TimeSpan.FromDays(1))
                .Records(recordsPerReport, messagesEach: 2).Extract())
            .ToList();

        var watch = Stopwatch.StartNew();
        var stored = 0;
        foreach (var report in inputs)
        {
            stored += (await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(report), [report], CancellationToken.None)).RecordCount;
        }

        watch.Stop();
        output.WriteLine($"{fixture.Provider}: {stored} records in {watch.Elapsed.TotalSeconds:F2} s = {stored / watch.Elapsed.TotalSeconds:F0} records/s");
        Assert.Equal(files * recordsPerReport, stored);
        await using var context = fixture.CreateContext();
        Assert.Equal(files * recordsPerReport, await context.Records.CountAsync(r => r.Report!.PolicyDomain == domain));
        Assert.Equal(files * recordsPerReport, await context.Records.CountAsync(r => r.Report!.PolicyDomain == domain && r.Dkim != null && r.Spf != null));
        var summary = await fixture.Stats.SummaryAsync(new ReportFilter(Domain: domain), CancellationToken.None);
        Assert.Equal((files * recordsPerReport * 2L, files * recordsPerReport * 1L, (long)recordsPerReport), (summary.Messages, summary.Passing, summary.Sources));
    }
}

public sealed class BulkIngestionTestsOnPostgreSql(PostgreSqlFixture fixture, ITestOutputHelper output)
    : BulkIngestionTests(fixture, output), IClassFixture<PostgreSqlFixture>;

public sealed class BulkIngestionTestsOnSqlite(SqliteFixture fixture, ITestOutputHelper output)
    : BulkIngestionTests(fixture, output), IClassFixture<SqliteFixture>;
