using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>The AppHost with <c>--postgres</c>: PostgreSQL and Redis of the machine's installed servers as its
/// resources, the cluster's files in the data folder, the silo in a Redis-backed Orleans cluster; and once the AppHost
/// stops, no process of the app is left. A sign-in through the Web app is one trace in the dashboard, from the Web app
/// through the Api to PostgreSQL.</summary>
public sealed class AppHostPostgresTests
{
    private sealed class PostgresAppHost() : AppHostFixture(["--postgres"]);

    [Fact]
    public async Task Runs_on_the_installed_PostgreSQL_and_Redis_and_leaves_no_process_behind()
    {
        var apphost = new PostgresAppHost();
        List<int> pids;
        try
        {
            await apphost.InitializeAsync();
            var notifications = apphost.App.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.WaitForResourceHealthyAsync("postgres");
            await notifications.WaitForResourceHealthyAsync("cache");

            var connection = await apphost.App.GetConnectionStringAsync("dmarcdb");
            Assert.Matches(@"^Host=127\.0\.0\.1;Port=\d+;Database=dmarcdb;Username=postgres$", connection);
            Assert.True(File.Exists(Path.Combine(apphost.DataDirectory, "postgres", "PG_VERSION")), "the cluster is not in the data folder");
            Assert.False(File.Exists(Path.Combine(apphost.DataDirectory, "dmarcsecurity.db")), "SQLite was used");
            Assert.Matches(@"^127\.0\.0\.1:\d+$", await apphost.App.GetConnectionStringAsync("cache"));

            // The upload's events reach the silo through PostgreSQL; the silo is in the Redis-backed cluster.
            const string hostile = "203.0.113.77";
            await ApiSession.UploadAsync(apphost.Admin, [("pg.xml", ApiSession.Report("postgres.example", $"pg-{Guid.NewGuid():N}", [(hostile, 5000, false)]))]);
            await ApiSession.WaitForAsync(apphost.Admin, $"/api/decisions?ip={hostile}", json => json.GetProperty("items").GetArrayLength() > 0, TimeSpan.FromSeconds(30));
            using var http = new HttpClient();
            var silo = await http.GetStringAsync(new Uri(apphost.App.GetEndpoint("silo", "http"), "/health"));
            Assert.Contains("\"activeSilos\":1", silo, StringComparison.Ordinal);

            await SignInThroughWebAndFindTheTraceAsync(apphost);

            pids = [.. new[] { "postgres", "cache", "api", "silo", "web" }.SelectMany(apphost.ProcessTree)];
            Assert.True(pids.Count >= 8, $"too few processes found: {string.Join(", ", pids)}");
        }
        finally
        {
            await apphost.DisposeAsync();
        }

        for (var attempt = 0; attempt < 300 && pids.Any(AppHostFixture.IsAlive); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.True(!pids.Any(AppHostFixture.IsAlive), $"Still running: {string.Join(", ", pids.Where(AppHostFixture.IsAlive).Select(p => $"{p} {File.ReadAllText($"/proc/{p}/cmdline").Replace('\0', ' ')}"))}");
    }

    /// <summary>Signs in through the Web app in a browser, then finds that sign-in in the dashboard's traces: one trace with
    /// spans of web, api and the database.</summary>
    private static async Task SignInThroughWebAndFindTheTraceAsync(AppHostFixture apphost)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var web = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = apphost.Web.ToString() });
        await web.GotoAsync("/account/login");
        await web.FillAsync("#email", AppHostFixture.AdminEmail);
        await web.FillAsync("#password", ApiSession.NewPassword);
        await web.ClickAsync("button[type=submit]");
        await web.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));

        var dashboard = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        await dashboard.GotoAsync(apphost.DashboardLogin.ToString());
        var traces = new Uri(apphost.DashboardLogin.GetLeftPart(UriPartial.Authority) + "/traces/resource/web");
        // A trace of the Web app with spans of the Api and of the database: the dashboard lists each trace's resources.
        var spanning = dashboard.Locator("[role=row]").Filter(new() { HasText = "web: GET /" }).Filter(new() { HasText = "api (" })
            .Filter(new() { HasText = "dmarcdb (" });
        for (var attempt = 0; attempt < 30 && await spanning.CountAsync() == 0; attempt++)
        {
            // Traces are exported in batches: look again until the sign-in's have arrived.
            await dashboard.GotoAsync(traces.ToString());
            await Task.Delay(1000);
        }

        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots"));
        await dashboard.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "dashboard-traces.png") });
        Assert.True(await spanning.CountAsync() > 0, "no trace of the Web app reached the Api and the database:\n" + await dashboard.Locator("body").InnerTextAsync());

        // The dashboard is interactive: a click on a freshly loaded list can land before its circuit has connected, and then
        // opens nothing. Click again until the trace's page opens.
        for (var attempt = 0; ; attempt++)
        {
            await spanning.First.GetByText("web: GET /").First.ClickAsync();
            try
            {
                await dashboard.WaitForURLAsync(url => url.Contains("/traces/detail/", StringComparison.Ordinal), new() { Timeout = 3_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 10)
            {
            }
        }

        await Expect(dashboard.GetByText("GET /api/").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await dashboard.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "dashboard-trace.png"), FullPage = true });
        var detail = await dashboard.Locator("body").InnerTextAsync();
        Assert.Contains("dmarcdb", detail, StringComparison.Ordinal);
        Assert.Contains("api", detail, StringComparison.Ordinal);
    }
}
