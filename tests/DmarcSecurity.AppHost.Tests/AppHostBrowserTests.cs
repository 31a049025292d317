using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>
/// What a new user does after <c>dotnet run --project DmarcSecurity.AppHost</c>: opens the Web URL from the table in a
/// browser, signs in with the printed one-time password, is sent to choose a new password, and, once a report is
/// uploaded through the Api, sees the decision the silo made about the failing sender; with SQLite and with
/// <c>--postgres</c>.
/// </summary>
public sealed class AppHostBrowserTests
{
    private const string Domain = "browser.example";
    private const string Hostile = "203.0.113.99";

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Signs_in_through_the_Web_with_the_printed_password_and_sees_the_silos_decision(string database)
    {
        using var apphost = database == "postgres" ? AppHostProcess.Start("--postgres") : AppHostProcess.Start();
        var table = await apphost.WaitForTableAsync(AppHostEndToEndTests.AllHealthy, AppHostEndToEndTests.Startup);
        var web = table.Single(r => r.Name == "web").Url;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", "admin@localhost");
        await page.FillAsync("#password", apphost.OneTimePassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => url.Contains("/account/change-password", StringComparison.Ordinal));
        await page.FillAsync("#current", apphost.OneTimePassword);
        await page.FillAsync("#new", ApiSession.NewPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));

        using var http = await ApiSession.SignInWithPasswordAsync(table.Single(r => r.Name == "api").Url, "admin@localhost", ApiSession.NewPassword);
        await ApiSession.UploadAsync(http, [("browser.xml", ApiSession.Report(Domain, $"browser-{Guid.NewGuid():N}", [("192.0.2.20", 300, true), (Hostile, 5000, false)]))]);
        await ApiSession.WaitForAsync(http, $"/api/decisions?ip={Hostile}", json => json.GetProperty("items").GetArrayLength() > 0, TimeSpan.FromSeconds(30));

        await page.GotoAsync($"/sources/{Hostile}");
        await Expect(page.GetByTestId("decision-row").First).ToBeVisibleAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync(Hostile);

        await context.CloseAsync();
        await AppHostEndToEndTests.AssertStopsCleanlyAsync(apphost);
    }
}
