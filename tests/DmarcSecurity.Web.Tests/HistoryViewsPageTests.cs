using DmarcSecurity.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>Imported history older than the period: the dashboard and the domain page show the days up to the newest
/// report and say so, and the per-day trend keeps the year across a new year, in a real browser.</summary>
[Collection(PlatformCollection.Name)]
public sealed class HistoryViewsPageTests(Platform platform)
{
    [Fact]
    public async Task Reports_from_an_old_new_year_are_shown_in_order_with_their_years_and_the_page_says_the_period_moved()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var domain = $"history-{run}.example";
        var today = DateTime.UtcNow.Date;
        int DaysAgo(int year, int month, int day) => (today - new DateTime(year, month, day)).Days;
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync("/upload");
        await Expect(page.Locator("[data-testid=upload][data-ready=true]")).ToBeVisibleAsync();
        await page.Locator("input[type=file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = $"{run}-dec.xml", MimeType = "text/xml",
                Buffer = AggregateReportXml.Build(domain, "receiver.example", $"d-{run}", DaysAgo(2024, 12, 30), [("192.0.2.40", 300, true, "none"), ("198.51.100.41", 100, false, "reject")]) },
            new FilePayload { Name = $"{run}-jan.xml", MimeType = "text/xml",
                Buffer = AggregateReportXml.Build(domain, "receiver.example", $"j-{run}", DaysAgo(2025, 1, 2), [("192.0.2.40", 500, true, "none")]) },
        });
        await Expect(page.GetByTestId("upload-summary")).ToContainTextAsync("2 stored", new() { Timeout = 30_000 });

        await page.GotoAsync($"/?domain={domain}");

        await Expect(page.GetByTestId("period-anchored")).ToContainTextAsync(
            "No reports in the last 30 days. Showing the 30 days up to the newest report, 2025-01-02.");
        await Expect(page.Locator("[data-kpi=messages] .kpi-value")).ToHaveTextAsync("900");
        await Expect(page.Locator("[data-kpi=reports] .kpi-value")).ToHaveTextAsync("2");
        var days = page.GetByTestId("trend-day");
        await Expect(days.First).ToHaveAttributeAsync("data-day", "2024-12-30");
        await Expect(days.Last).ToHaveAttributeAsync("data-day", "2025-01-02");
        var order = await days.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.day)");
        Assert.Equal(order.Order(StringComparer.Ordinal), order);
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "dashboard-history-1280x720.png"), FullPage = true });

        await page.GotoAsync($"/domains/{domain}");
        await Expect(page.GetByTestId("period-anchored")).ToContainTextAsync("up to the newest report, 2025-01-02");
        await Expect(page.GetByTestId("trend-day").First).ToHaveAttributeAsync("data-day", "2024-12-30");

        await page.GotoAsync($"/?domain={domain}&period=0");
        await Expect(page.Locator("[data-kpi=messages] .kpi-value")).ToHaveTextAsync("900");
        await Expect(page.GetByTestId("period-anchored")).ToHaveCountAsync(0);
    }
}
