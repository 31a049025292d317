using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>What a person sees in a browser after <c>dotnet run --project DmarcSecurity.AppHost</c>.</summary>
[Collection(SqliteAppHost.Name)]
public sealed class AppHostBrowserTests(AppHostFixture apphost) : IAsyncLifetime
{
    private const string Domain = "browser.example";
    private const string Hostile = "203.0.113.99";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task The_dashboard_shows_api_silo_and_web_running()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 900 } });
        var page = await context.NewPageAsync();

        await page.GotoAsync(apphost.DashboardLogin.ToString());

        foreach (var resource in new[] { "api", "silo", "web" })
        {
            var row = page.Locator(".fluent-data-grid-row, [role=row]").Filter(new() { HasText = resource }).Filter(new() { HasText = "Running" });
            await Expect(row.First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }

        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "dashboard.png"), FullPage = true });
        await context.CloseAsync();
    }

    [Fact]
    public async Task Signs_in_through_the_Web_and_sees_the_silos_decision_about_an_uploaded_report()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = apphost.Web.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", AppHostFixture.AdminEmail);
        await page.FillAsync("#password", ApiSession.NewPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));

        await ApiSession.UploadAsync(apphost.Admin, [("browser.xml", ApiSession.Report(Domain, $"browser-{Guid.NewGuid():N}", [("192.0.2.20", 300, true), (Hostile, 5000, false)]))]);
        await ApiSession.WaitForAsync(apphost.Admin, $"/api/decisions?ip={Hostile}", json => json.GetProperty("items").GetArrayLength() > 0, TimeSpan.FromSeconds(30));

        await page.GotoAsync($"/sources/{Hostile}");
        // The decisions grid loads once the page is interactive, which takes a while on a loaded machine.
        await Expect(page.GetByTestId("decision-row").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("h1")).ToContainTextAsync(Hostile);
        await context.CloseAsync();
    }
}
