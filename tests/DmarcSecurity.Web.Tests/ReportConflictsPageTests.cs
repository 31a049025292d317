using DmarcSecurity.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>A report uploaded again with other content: the upload names the conflicting copy, and the copy is listed,
/// flagged in the history and on the report, and compared row by row, in a real browser.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ReportConflictsPageTests(Platform platform)
{
    [Fact]
    public async Task Analyst_uploads_a_report_twice_with_other_counts_and_compares_the_two_versions()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var domain = $"conflict-{run}.example";
        var reportId = $"c-{run}";
        var first = AggregateReportXml.Build(domain, "receiver.example", reportId, 2,
            [("192.0.2.30", 400, true, "none"), ("198.51.100.31", 90, false, "reject")]);
        var second = AggregateReportXml.Build(domain, "receiver.example", reportId, 2,
            [("192.0.2.30", 460, true, "none"), ("198.51.100.31", 90, false, "reject"), ("203.0.113.32", 15, false, "quarantine")]);
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync("/upload");
        await Expect(page.Locator("[data-testid=upload][data-ready=true]")).ToBeVisibleAsync();

        // One after the other: the first to arrive is the report, the second its conflicting copy.
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = $"{run}-first.xml", MimeType = "text/xml", Buffer = first });
        await Expect(page.GetByTestId("upload-summary")).ToContainTextAsync("1 stored", new() { Timeout = 30_000 });
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = $"{run}-second.xml", MimeType = "text/xml", Buffer = second });
        var resent = page.Locator($"[data-testid=upload-item][data-file='{run}-second.xml'] [data-testid=upload-outcome]");
        await Expect(resent).ToContainTextAsync("Duplicate of report #");
        await Expect(resent).ToContainTextAsync("other content kept as conflicting copy #");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "conflict-upload-1280x720.png"), FullPage = true });

        await page.GotoAsync($"/ingestion?fileName={run}-second");
        var arrival = page.GetByTestId("ingestion-row");
        await Expect(arrival).ToHaveCountAsync(1);
        await Expect(arrival.GetByTestId("ingestion-conflict")).ToHaveTextAsync("Conflict");

        await page.GotoAsync($"/report-conflicts?domain={domain}");
        var row = page.GetByTestId("conflict-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("receiver.example");
        await Expect(row.GetByTestId("conflict-messages")).ToHaveTextAsync("490 → 565");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "conflicts-1280x720.png"), FullPage = true });

        await Platform.ClickUntilAsync(row.Locator("a").First, page.GetByTestId("conflict-totals"));

        await Expect(page.GetByTestId("conflict-totals")).ToContainTextAsync("490");
        await Expect(page.GetByTestId("conflict-totals")).ToContainTextAsync("565");
        await Expect(page.GetByTestId("conflict-row-counts")).ToContainTextAsync("2 of 3 rows differ");
        var differences = page.GetByTestId("conflict-difference");
        await Expect(differences).ToHaveCountAsync(2);
        await Expect(differences.First).ToContainTextAsync("192.0.2.30");
        await Expect(differences.First.GetByTestId("conflict-change")).ToHaveTextAsync("+60");
        await Expect(differences.Nth(1)).ToContainTextAsync("203.0.113.32");
        await Expect(differences.Nth(1).GetByTestId("conflict-change")).ToHaveTextAsync("only in the copy");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "conflict-1280x720.png"), FullPage = true });

        await Platform.ClickUntilAsync(page.GetByRole(AriaRole.Link, new() { Name = "The stored report" }), page.GetByTestId("report-conflicts"));
        await Expect(page.GetByTestId("report-conflicts")).ToContainTextAsync("arrived again with other content (1 copy)");
        await Expect(page.GetByTestId("report-messages")).ToHaveTextAsync("490");
    }
}
