using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>The country map on the dashboard and the Sources page: the seed domain's two sources are placed by the
/// run's own geolocation database, 192.0.2.10 in the US (300 messages) and the hostile one in Russia (1,000, all
/// failing).</summary>
[Collection(PlatformCollection.Name)]
public sealed class CountryMapPageTests(Platform platform)
{
    [Theory]
    [InlineData("/", "dashboard")]
    [InlineData("/sources", "sources")]
    public async Task The_map_fills_the_countries_of_the_periods_sources_and_shows_their_figures(string path, string name)
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);
        await page.GotoAsync($"{path}?domain={Reports.SeedDomain}&period=0");
        await Platform.WaitForInteractiveAsync(page);

        var map = page.GetByTestId("country-map");
        var card = page.Locator("[data-card=countries]");
        await Expect(map.Locator("path[data-country=RU]")).ToHaveAttributeAsync("data-step", "5");
        await Expect(map.Locator("path[data-country=US]")).ToHaveAttributeAsync("data-step", "2");
        await Expect(map.Locator("path[data-country=FR]")).ToHaveAttributeAsync("data-step", "0");
        await Expect(map.Locator("path[data-country=RU]")).ToHaveCSSAsync("fill", "rgb(8, 81, 156)");
        await Expect(map.Locator("path[data-country=US]")).ToHaveCSSAsync("fill", "rgb(158, 202, 225)");
        await Expect(map.Locator("path[data-country=RU] title")).ToHaveTextAsync("Russia (RU): 1,000 messages from 1 sources, 1,000 failing");
        await Expect(map.Locator("path[data-country=US] title")).ToHaveTextAsync("United States of America (US): 300 messages from 1 sources, 0 failing");
        await Expect(page.GetByTestId("country-map-legend")).ToContainTextAsync("801 – 1,000");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await card.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, $"country-map-{name}.png") });

        await card.Locator("summary").ClickAsync();
        var rows = page.GetByTestId("country-figures").Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0).Locator("td")).ToHaveTextAsync(["Russia (RU)", "1", "1,000", "1,000"]);
        await Expect(rows.Nth(1).Locator("td")).ToHaveTextAsync(["United States of America (US)", "1", "300", "0"]);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, $"country-map-{name}-page.png"), FullPage = true });
    }
}
