using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DmarcSecurity.Web.Tests;

/// <summary>The sign-in form as several clients at once, each from its own loopback address.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SignInSecurityTests(Platform platform)
{
    [Fact]
    public async Task Failed_sign_ins_from_one_client_address_do_not_lock_out_another_client()
    {
        using var attacker = new FormClient(platform.Web.BaseAddress, "127.0.0.2");
        for (var attempt = 0; attempt < Platform.SignInPermitsPerMinute; attempt++)
        {
            var wrong = await attacker.SignInAsync($"nobody-{attempt}@e2e.example", "not-the-password-at-all");
            Assert.Equal(HttpStatusCode.OK, wrong.Status);
            Assert.Contains("Wrong email or password, or the account is locked for a while after too many failed sign-ins.", wrong.Body, StringComparison.Ordinal);
        }

        var refused = await attacker.SignInAsync(Platform.ViewerEmail, Platform.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Contains("Too many sign-in attempts from your address. Wait a minute and try again.", refused.Body, StringComparison.Ordinal);
        Assert.Contains("<h1>Sign in</h1>", refused.Body, StringComparison.Ordinal);
        Assert.Equal("60", refused.RetryAfter);
        Assert.False(attacker.HasCookie("dmarcsecurity.session"));

        using var neighbour = new FormClient(platform.Web.BaseAddress, "127.0.0.3");
        var signedIn = await neighbour.SignInAsync(Platform.ViewerEmail, Platform.Password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.Status);
        Assert.Equal("/", PathOf(signedIn.Location));
        Assert.True(neighbour.HasCookie("dmarcsecurity.session"));
    }

    [Fact]
    public async Task The_sign_in_page_and_the_dashboard_run_under_the_Content_Security_Policy_without_a_violation()
    {
        var context = await platform.Browser.NewContextAsync(platform.ContextOptions());
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"{page.Url}: {message.Text}");
            }
        };
        await page.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
            """);

        var signInPage = await page.GotoAsync("/account/login");
        Assert.Contains("script-src 'self'", signInPage!.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", signInPage.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Contains("base-uri 'self'", signInPage.Headers["content-security-policy"], StringComparison.Ordinal);
        await Platform.SubmitSignInAsync(page, Platform.ViewerEmail);
        await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));
        await Platform.WaitForInteractiveAsync(page);
        // A circuit navigation. The first click may land before the circuit is connected: click until the page shows.
        await Platform.ClickUntilAsync(page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Reports" }).First,
            page.Locator("h1", new() { HasText = "Reports" }));
        await Microsoft.Playwright.Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Reports");

        Assert.Empty(violations);
        await context.CloseAsync();
    }

    [Theory]
    [InlineData("/reports?domain=bücher.example", "/reports?domain=b%C3%BCcher.example")]
    [InlineData("/domains/日本.example", "/domains/%E6%97%A5%E6%9C%AC.example")]
    public async Task A_non_ASCII_return_address_is_followed_percent_encoded(string returnUrl, string expected)
    {
        using var browser = new FormClient(platform.Web.BaseAddress, "127.0.0.5");

        var signedIn = await browser.SignInAsync(Platform.ViewerEmail, Platform.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.Status);
        Assert.Equal(expected, PathOf(signedIn.Location));
    }

    [Fact]
    public async Task The_Api_audit_trail_records_the_browser_address_of_a_sign_in_through_the_UI_not_the_Web_app_address()
    {
        using var browser = new FormClient(platform.Web.BaseAddress, "127.0.0.6");
        var wrong = await browser.SignInAsync(Platform.AnalystEmail, "not-the-password-at-all");
        var signedIn = await browser.SignInAsync(Platform.AnalystEmail, Platform.Password);
        Assert.Contains("Wrong email or password, or the account is locked for a while after too many failed sign-ins.", wrong.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.Status);

        var audit = await platform.AdminApi.GetFromJsonAsync<JsonElement>($"/api/audit?email={Uri.EscapeDataString(Platform.AnalystEmail)}&pageSize=50");

        var fromBrowser = audit.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("clientAddress").GetString() == "127.0.0.6")
            .Select(e => e.GetProperty("outcome").GetString())
            .ToList();
        Assert.Contains("Success", fromBrowser, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Failure", fromBrowser, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Outside_Development_the_cookies_are_Secure_and_plain_HTTP_is_refused_with_the_reason()
    {
        using var browser = new FormClient(platform.Web.BaseAddress, "127.0.0.4");

        var signedIn = await browser.SignInAsync(Platform.ViewerEmail, Platform.Password);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.Status);
        var session = browser.SetCookies["dmarcsecurity.session"];
        var antiforgery = Assert.Single(browser.SetCookies, c => c.Key.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)).Value;
        foreach (var cookie in new[] { session, antiforgery })
        {
            var attributes = cookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToList();
            Assert.Contains("secure", attributes);
            Assert.Contains("httponly", attributes);
            Assert.Contains("samesite=strict", attributes);
        }

        // Straight to the Web app over plain HTTP, past the proxy: refused with the reason, and no cookie is set.
        using var direct = new FormClient(platform.Web.BaseAddress, "127.0.0.4", throughProxy: false);
        var plain = await direct.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/account/login"));
        Assert.Equal(HttpStatusCode.BadRequest, plain.Status);
        Assert.Contains("served over HTTPS only", plain.Body, StringComparison.Ordinal);
        Assert.Empty(direct.SetCookies);
    }

    /// <summary>Where a redirect leads on this site (the Web app answers with an absolute https address, as it believes
    /// the proxy in front).</summary>
    private static string PathOf(string? location) => new Uri(new Uri("https://localhost/"), location).PathAndQuery;
}
