using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>The domain page forecasts the seeded domain's failure rate for the next seven days.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DomainForecastPageTests(Platform platform)
{
    [Fact]
    public async Task The_domain_page_shows_seven_days_of_forecast_with_their_range()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);
        var failed = new List<string>();
        page.RequestFailed += (_, r) => failed.Add($"{r.Method} {r.Url}: {r.Failure}");
        page.Response += (_, r) => { if (r.Status >= 400) { failed.Add($"{r.Request.Method} {r.Url}: {r.Status}"); } };
        await page.GotoAsync($"/domains/{Reports.SeedDomain}");
        await Platform.WaitForInteractiveAsync(page);

        var forecast = page.GetByTestId("domain-forecast");
        await Expect(forecast.GetByTestId("forecast-day")).ToHaveCountAsync(7);
        await Expect(forecast.GetByTestId("forecast-day").First).ToContainTextAsync("%");
        await Expect(forecast).ToContainTextAsync("95 % probability");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        // The page scrolls inside its layout, not the window: bring the section into view and take the window.
        await page.EvaluateAsync("() => document.querySelector('[data-testid=domain-forecast]').scrollIntoView()");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "domain-forecast-1280x720.png") });
        Assert.Empty(failed);
    }
}
