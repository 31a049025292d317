using System.Net;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Api.Tests;

public abstract class IngestionHistoryApiTests(ApiFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Every_upload_is_in_the_history_with_its_uploader_outcome_and_reports_repeats_included()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var xml = ReportXml.Build("history-" + run, "history.example");
        var stored = await Upload.FilesAsync(Client, ($"{run}-good.xml", xml), ($"{run}-junk.txt", "unused"u8.ToArray()));
        var repeat = await Upload.FilesAsync(Client, ($"{run}-again.xml", xml));
        var reportId = Assert.Single(stored.Files[0].ReportIds);

        var page = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&sort=fileName");

        Assert.Equal(3, page.TotalCount);
        Assert.Equal([$"{run}-again.xml", $"{run}-good.xml", $"{run}-junk.txt"], page.Items.Select(h => h.FileName ?? "").ToArray());
        Assert.All(page.Items, h => Assert.Equal($"upload:{ApiFixture.AdminEmail}", h.Source));
        var again = page.Items[0];
        Assert.Equal(FileOutcome.Duplicate, again.Outcome);
        Assert.Empty(again.ReportIds);
        Assert.Equal([reportId], again.DuplicateOfReportIds);
        var good = page.Items[1];
        Assert.Equal((FileOutcome.Stored, reportId, 1, (long)xml.Length), (good.Outcome, Assert.Single(good.ReportIds), good.Records, good.Size));
        var junk = page.Items[2];
        Assert.Equal((FileOutcome.Rejected, RejectionReason.NotAReport), (junk.Outcome, junk.Reason));
        Assert.Contains("unused", junk.Error, StringComparison.Ordinal);
        Assert.Equal(FileOutcome.Duplicate, Assert.Single(repeat.Files).Outcome);
    }

    [Fact]
    public async Task History_filters_by_outcome_reason_source_and_time_and_pages()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await Upload.FilesAsync(
            Client,
            ($"{run}-a.xml", ReportXml.Build("a-" + run)),
            ($"{run}-b.xml", ReportXml.Build("b-" + run)),
            ($"{run}-bad.xml", "<feedback><report_metadata>"u8.ToArray()));
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        var rejected = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&outcome=Rejected");
        var byReason = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&reason={rejected.Items.Single().Reason}");
        var fromUploads = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&source=upload");
        var fromMailbox = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&source=imap");
        var inWindow = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(
            Client, $"/api/ingestion/history?fileName={run}&from={Uri.EscapeDataString(before.ToString("O"))}&to={Uri.EscapeDataString(after.ToString("O"))}");
        var later = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&from={Uri.EscapeDataString(after.ToString("O"))}");
        var secondPage = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&pageSize=2&page=2&sort=fileName");

        Assert.Equal($"{run}-bad.xml", Assert.Single(rejected.Items).FileName);
        Assert.Equal($"{run}-bad.xml", Assert.Single(byReason.Items).FileName);
        Assert.Equal(3, fromUploads.TotalCount);
        Assert.Equal(0, fromMailbox.TotalCount);
        Assert.Equal(3, inWindow.TotalCount);
        Assert.Equal(0, later.TotalCount);
        Assert.Equal((2, 2, 3L), (secondPage.Page, secondPage.PageSize, secondPage.TotalCount));
        Assert.Equal($"{run}-bad.xml", Assert.Single(secondPage.Items).FileName);
        var one = await Upload.GetAsync<IngestionHistoryDto>(Client, $"/api/ingestion/history/{secondPage.Items[0].Id}");
        Assert.Equal(secondPage.Items[0].Sha256, one.Sha256);
    }

    [Fact]
    public async Task Unknown_sort_field_is_a_validation_problem_and_unknown_entry_is_not_found()
    {
        using var badSort = await Client.GetAsync("/api/ingestion/history?sort=password");
        using var missing = await Client.GetAsync("/api/ingestion/history/987654321");

        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}

public sealed class IngestionHistoryApiPostgreSqlTests(PostgreSqlApiFixture fixture) : IngestionHistoryApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class IngestionHistoryApiSqliteTests(SqliteApiFixture fixture) : IngestionHistoryApiTests(fixture), IClassFixture<SqliteApiFixture>;
