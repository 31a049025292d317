using System.Net;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Reports;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests;

/// <summary>The same report arriving again with other content: kept as a conflicting copy, listed and compared.</summary>
public abstract class ReportConflictsApiTests(ApiFixture fixture)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task A_report_resent_with_other_records_is_kept_as_a_copy_that_the_api_lists_and_compares_with_the_stored_report()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var domain = $"conflict-{run}.example";
        var original = ReportXml.Build($"r-{run}", domain, begin: Day, records:
            [new TestRecord("192.0.2.1", 10, HeaderFrom: domain), new TestRecord("192.0.2.2", 4, "reject", "fail", "fail", domain), new TestRecord("192.0.2.3", 1, HeaderFrom: domain)]);
        // Another copy of the same report (reporter, id, domain, period): one count changed, one record missing, one added.
        var resent = ReportXml.Build($"r-{run}", domain, begin: Day, records:
            [new TestRecord("192.0.2.1", 12, HeaderFrom: domain), new TestRecord("192.0.2.2", 4, "reject", "fail", "fail", domain), new TestRecord("2001:db8::9", 6, "reject", "fail", "fail", domain)]);

        var first = await Upload.FilesAsync(Client, ($"{run}-a.xml", original));
        var second = await Upload.FilesAsync(Client, ($"{run}-b.xml", resent));
        var third = await Upload.FilesAsync(Client, ($"{run}-c.xml", [.. resent, .. "\n"u8.ToArray()]));

        var reportId = Assert.Single(Assert.Single(first.Files).ReportIds);
        var copied = Assert.Single(second.Files);
        Assert.Equal((0, 1, 0, 1), (second.Stored, second.Duplicates, second.Rejected, second.Conflicts));
        Assert.Equal(FileOutcome.Duplicate, copied.Outcome);
        Assert.Equal([reportId], copied.DuplicateOfReportIds);
        var conflictId = Assert.Single(copied.ConflictIds);
        // The same other content again repeats the copy.
        Assert.Equal((0, 1, 0, 0), (third.Stored, third.Duplicates, third.Rejected, third.Conflicts));
        Assert.Empty(Assert.Single(third.Files).ConflictIds);

        var history = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}-b");
        Assert.Equal([conflictId], Assert.Single(history.Items).ConflictIds);
        var report = await Upload.GetAsync<ReportDetailDto>(Client, $"/api/reports/{reportId}");
        Assert.Equal([conflictId], report.ConflictIds);
        Assert.Equal(15, report.Summary.MessageCount);

        var list = await Upload.GetAsync<PagedResult<ReportConflictSummaryDto>>(Client, $"/api/report-conflicts?domain={domain.ToUpperInvariant()}");
        var row = Assert.Single(list.Items);
        Assert.Equal((conflictId, reportId, "google.com", $"r-{run}", domain), (row.Id, row.ReportId, row.OrgName, row.ReporterReportId, row.PolicyDomain));
        Assert.Equal((3, 15L, 3, 22L), (row.StoredRecords, row.StoredMessages, row.CopyRecords, row.CopyMessages));
        Assert.Equal($"{run}-b.xml", row.FileName);
        Assert.StartsWith("upload:", row.Source);

        var detail = await Upload.GetAsync<ReportConflictDetailDto>(Client, $"/api/report-conflicts/{conflictId}");
        Assert.Equal(new ComparedTotalsDto(3, 15, 11, 11), detail.Stored);
        Assert.Equal(new ComparedTotalsDto(3, 22, 12, 12), detail.Copy);
        Assert.Equal(detail.StoredPolicy, detail.CopyPolicy);
        Assert.Equal((3, 1), (detail.DifferingRows, detail.SameRows));
        Assert.Equal(
            ["2001:db8::9 reject 0->6", "192.0.2.1 none 10->12", "192.0.2.3 none 1->0"],
            detail.Differences.Select(d => $"{d.SourceIp} {d.Disposition} {d.StoredCount}->{d.CopyCount}"));
        Assert.All(detail.Differences, d => Assert.Equal(domain, d.HeaderFrom));

        using var missing = await Client.GetAsync("/api/report-conflicts/987654321");
        using var badRange = await Client.GetAsync($"/api/report-conflicts?from={Uri.EscapeDataString(Day.ToString("O"))}&to={Uri.EscapeDataString(Day.ToString("O"))}");
        var none = await Upload.GetAsync<PagedResult<ReportConflictSummaryDto>>(Client, $"/api/report-conflicts?domain=other-{run}.example");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
        Assert.Equal(0, none.TotalCount);
    }
}

public sealed class ReportConflictsApiPostgreSqlTests(PostgreSqlApiFixture fixture) : ReportConflictsApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class ReportConflictsApiSqliteTests(SqliteApiFixture fixture) : ReportConflictsApiTests(fixture), IClassFixture<SqliteApiFixture>;
