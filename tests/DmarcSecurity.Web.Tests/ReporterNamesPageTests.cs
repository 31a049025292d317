using DmarcSecurity.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>One reporter under two names is one reporter on the dashboard and one choice in the reports filter, in a
/// real browser.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ReporterNamesPageTests(Platform platform)
{
    [Fact]
    public async Task Two_names_of_one_reporter_are_one_row_and_one_filter_that_lists_both_reports()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var domain = $"names-{run}.example";
        var microsoft = $"{run}.microsoft.example";
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync("/upload");
        await Expect(page.Locator("[data-testid=upload][data-ready=true]")).ToBeVisibleAsync();
        await page.Locator("input[type=file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = $"{run}-a.xml", MimeType = "text/xml",
                Buffer = AggregateReportXml.Build(domain, "Outlook.com", $"a-{run}", 2, [("192.0.2.60", 300, true, "none")], $"dmarcreport@{microsoft}") },
            new FilePayload { Name = $"{run}-b.xml", MimeType = "text/xml",
                Buffer = AggregateReportXml.Build(domain, "Enterprise Outlook", $"b-{run}", 2, [("192.0.2.61", 100, false, "reject")], $"dmarcreport@{microsoft}") },
        });
        await Expect(page.GetByTestId("upload-summary")).ToContainTextAsync("2 stored", new() { Timeout = 30_000 });

        await page.GotoAsync($"/?domain={domain}");
        await Platform.WaitForInteractiveAsync(page);
        var rows = page.Locator("[data-card=reporters] table.figures tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("Outlook.com (also Enterprise Outlook)");
        await Expect(rows.First).ToContainTextAsync("400");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.Locator("[data-card=reporters]").ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "reporter-names-dashboard.png") });

        await page.GotoAsync($"/reports?domain={domain}&reporter={microsoft}");
        await Expect(page.Locator(".rz-data-row")).ToHaveCountAsync(2);
        await Expect(page.Locator("#report-reporter")).ToContainTextAsync("Outlook.com (also Enterprise Outlook)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "reporter-names-reports.png") });
    }
}
