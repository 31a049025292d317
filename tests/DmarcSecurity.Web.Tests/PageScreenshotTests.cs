using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>Every page at a desktop size and a phone size: it renders its heading, fits the width, shows no error, and
/// leaves a screenshot in TestResults/screenshots for a person to look at.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PageScreenshotTests(Platform platform)
{
    public static TheoryData<int, int> Sizes => new() { { 1280, 720 }, { 390, 844 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Every_page_renders_and_fits(int width, int height)
    {
        var pages = await PagesAsync();
        var page = await platform.SignInAsync(Platform.AdminEmail, width, height);
        // Every refusal of the page's Content-Security-Policy, collected by a script the browser runs before the page's own
        // (Playwright's init scripts are not subject to the policy).
        await page.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e =>
                window.__cspViolations.push(e.violatedDirective + ' refused ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));
            """);
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            // The not-found page is itself answered 404, which the browser reports as a failed load.
            if (message.Type == "error" && !(page.Url.EndsWith("/no-such-page", StringComparison.Ordinal) && message.Text.Contains("404", StringComparison.Ordinal)))
            {
                problems.Add($"{page.Url}: console error: {message.Text}");
            }
        };
        // Name the request behind a "failed to load resource" console error.
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && !response.Url.EndsWith("/no-such-page", StringComparison.Ordinal))
            {
                problems.Add($"{page.Url}: {response.Request.Method} {response.Url} answered {response.Status}");
            }
        };
        Directory.CreateDirectory(Platform.ScreenshotDirectory);

        foreach (var (name, path) in pages)
        {
            await page.GotoAsync(path);
            await Platform.WaitForInteractiveAsync(page);
            await Expect(page.Locator("h1").First).ToBeVisibleAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.WaitForTimeoutAsync(300);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, $"{name}-{width}x{height}.png"), FullPage = true });

            var text = await page.Locator("body").InnerTextAsync();
            foreach (var leak in new[] { "Exception", "Stack trace", "   at ", "Unhandled" })
            {
                if (text.Contains(leak, StringComparison.Ordinal))
                {
                    problems.Add($"{path}: shows '{leak}'");
                }
            }

            var response = await page.Context.APIRequest.GetAsync(path);
            Assert.Equal(ExpectedPolicy, response.Headers["content-security-policy"]);
            foreach (var violation in await page.EvaluateAsync<string[]>("() => window.__cspViolations"))
            {
                problems.Add($"{path}: Content-Security-Policy violation: {violation}");
            }

            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            if (overflow > 1)
            {
                problems.Add($"{path}: {overflow}px wider than the {width}px window");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private const string ExpectedPolicy = "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    private async Task<List<(string Name, string Path)>> PagesAsync()
    {
        var report = (await platform.WaitForApiAsync("/api/reports", json => json.GetProperty("items").GetArrayLength() > 0))
            .GetProperty("items")[0].GetProperty("id").GetInt64();
        var alert = (await platform.WaitForApiAsync("/api/alerts", json => json.GetProperty("items").GetArrayLength() > 0))
            .GetProperty("items")[0].GetProperty("id").GetInt64();
        var decision = (await platform.WaitForApiAsync("/api/decisions", json => json.GetProperty("items").GetArrayLength() > 0))
            .GetProperty("items")[0].GetProperty("id").GetString();
        return
        [
            ("dashboard", "/"),
            ("reports", "/reports"),
            ("report", $"/reports/{report}"),
            ("tls-reports", "/tls-reports"),
            ("failure-reports", "/failure-reports"),
            ("domains", "/domains"),
            ("domain", $"/domains/{Reports.SeedDomain}"),
            ("sources", "/sources"),
            ("source", $"/sources/{Reports.SeededHostile}"),
            ("alerts", "/alerts"),
            ("alert", $"/alerts/{alert}"),
            ("alert-rules", "/alert-rules"),
            ("suppressions", "/suppressions"),
            ("decisions", "/decisions"),
            ("decision", $"/decisions/{decision}"),
            ("allowlist", "/allowlist"),
            ("upload", "/upload"),
            ("ingestion", "/ingestion"),
            ("api-keys", "/api-keys"),
            ("users", "/admin/users"),
            ("mailboxes", "/admin/mailboxes"),
            ("notifications", "/admin/notifications"),
            ("models", "/admin/models"),
            ("jobs", "/admin/jobs"),
            ("audit", "/admin/audit"),
            ("not-found", "/no-such-page"),
        ];
    }
}
