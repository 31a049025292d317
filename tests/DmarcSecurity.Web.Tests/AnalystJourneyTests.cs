using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>What an analyst does in the first minutes, in a real browser against the real Api, silo and database.</summary>
[Collection(PlatformCollection.Name)]
public sealed partial class AnalystJourneyTests(Platform platform)
{
    [Fact]
    public async Task Analyst_uploads_three_files_and_sees_each_outcome_then_the_dashboard_counts_them()
    {
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync("/upload");
        await Expect(page.Locator("[data-testid=upload][data-ready=true]")).ToBeVisibleAsync(); // its script is wired up
        var files = Reports.Upload().Select(f => new FilePayload { Name = f.Name, MimeType = "application/octet-stream", Buffer = f.Content }).ToArray();
        await page.Locator("input[type=file]").SetInputFilesAsync(files);

        await Expect(page.GetByTestId("upload-summary")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(Outcome(page, "receiver-one.xml")).ToHaveAttributeAsync("data-outcome", "stored");
        await Expect(Outcome(page, "receiver-two.xml.gz")).ToHaveAttributeAsync("data-outcome", "stored");
        await Expect(Outcome(page, "hostile-xxe.xml")).ToHaveAttributeAsync("data-outcome", "rejected");
        await Expect(Outcome(page, "hostile-xxe.xml")).ToContainTextAsync("DTD", new() { IgnoreCase = true });
        await Expect(page.GetByTestId("upload-summary")).ToContainTextAsync("2 stored");

        await page.GotoAsync($"/?domain={Reports.UploadDomain}");
        await Expect(page.Locator("[data-kpi=messages] .kpi-value")).ToHaveTextAsync(Count(Reports.UploadedMessages));
        await Expect(page.Locator("[data-kpi=failing] .kpi-value")).ToHaveTextAsync(Count(Reports.UploadedFailing));
        await Expect(page.Locator("[data-kpi=reports] .kpi-value")).ToHaveTextAsync("2");
        var failing = page.Locator("[data-card=top-failing] table.figures tbody tr").First;
        await Expect(failing).ToContainTextAsync(Reports.UploadedHostile);
        await Expect(failing).ToContainTextAsync(Count(Reports.UploadedFailing));
        await Expect(page.Locator("[data-card=reporters] table.figures")).ToContainTextAsync("receiver-two.example");
        await Expect(page.Locator("[data-card=dispositions] table.figures")).ToContainTextAsync("reject");
        await Expect(page.Locator("[data-card=compliance] table.figures")).ToContainTextAsync(Reports.UploadDomain);
    }

    [Fact]
    public async Task A_file_over_the_Api_upload_limit_shows_the_Api_reason_on_the_upload_page()
    {
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync("/upload");
        await Expect(page.Locator("[data-testid=upload][data-ready=true]")).ToBeVisibleAsync();
        var tooLarge = new byte[Platform.MaxUploadBytes * 10];
        Random.Shared.NextBytes(tooLarge);

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "too-large.xml.gz", MimeType = "application/gzip", Buffer = tooLarge });

        await Expect(Outcome(page, "too-large.xml.gz")).ToHaveAttributeAsync("data-outcome", "failed", new() { Timeout = 30_000 });
        await Expect(Outcome(page, "too-large.xml.gz")).ToContainTextAsync(
            $"Upload too large: The upload is larger than the limit of {Platform.MaxUploadBytes:N0} bytes (Ingestion:MaxUploadBytes).");
        await Expect(page.GetByTestId("upload-summary")).ToContainTextAsync("1 failed");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "upload-too-large-1280x720.png") });
    }

    [Fact]
    public async Task Source_and_domain_pages_join_the_evidence_the_silo_built()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);

        await page.GotoAsync($"/sources/{Reports.SeededHostile}");
        await Expect(page.GetByTestId("source-messages")).ToHaveTextAsync(Count(1000));
        await Expect(page.GetByTestId("threat-score")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("score-reputation")).ToContainTextAsync("1.00");
        await Expect(page.GetByTestId("last-decision")).ToContainTextAsync("Latest decision: review at 0.88 (high)");
        await Expect(page.GetByTestId("decision-row").First).ToContainTextAsync("Simulated");

        await page.GotoAsync($"/domains/{Reports.SeedDomain}");
        await Expect(page.GetByTestId("known-sender").First).ToContainTextAsync("192.0.2.10");
        await Expect(page.GetByTestId("domain-alert").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Analyst_acknowledges_an_alert_and_approves_a_decision()
    {
        var page = await platform.SignInAsync(Platform.AnalystEmail);

        var alerts = await platform.WaitForApiAsync(
            $"/api/alerts?key={Reports.SeedDomain}&status=Open", json => json.GetProperty("items").GetArrayLength() > 0);
        await page.GotoAsync($"/alerts/{alerts.GetProperty("items")[0].GetProperty("id").GetInt64()}");
        await Expect(page.GetByTestId("alert-status")).ToHaveTextAsync(new Regex("Open", RegexOptions.IgnoreCase));
        await Platform.ClickUntilAsync(page.GetByTestId("acknowledge"), page.GetByTestId("comment"));
        await page.GetByTestId("comment").FillAsync("Looking into it");
        await page.GetByTestId("confirm").ClickAsync();
        await Expect(page.GetByTestId("alert-status")).ToHaveTextAsync(new Regex("Acknowledged", RegexOptions.IgnoreCase));
        await Expect(page.Locator("body")).ToContainTextAsync("Looking into it");

        await page.GotoAsync($"/decisions/{await DecisionIdAsync("Pending")}");
        await Expect(page.GetByTestId("score-breakdown")).ToContainTextAsync("reputation", new() { IgnoreCase = true });
        await Platform.ClickUntilAsync(page.GetByTestId("approve"), page.GetByTestId("comment"));
        await page.GetByTestId("comment").FillAsync("Confirmed spoofing");
        await page.GetByTestId("confirm").ClickAsync();

        await Expect(page.GetByTestId("review-status")).ToHaveTextAsync(new Regex("Approved", RegexOptions.IgnoreCase));
        await Expect(page.GetByTestId("approve")).ToHaveCountAsync(0);
        await Expect(page.Locator("body")).ToContainTextAsync("Confirmed spoofing");
    }

    [Fact]
    public async Task A_viewer_is_not_offered_admin_pages_nor_reaches_them_by_address()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);

        var menu = page.Locator(".rz-sidebar");
        await Expect(menu).ToContainTextAsync("Dashboard");
        await Expect(menu).Not.ToContainTextAsync("Users");
        await Expect(menu).Not.ToContainTextAsync("Audit trail");
        await Expect(menu).Not.ToContainTextAsync("Upload");

        foreach (var path in new[] { "/admin/users", "/admin/audit", "/upload" })
        {
            await page.GotoAsync(path);
            await Expect(page.Locator("h1")).ToHaveTextAsync("Not for your role");
            await Expect(page.GetByTestId("user-row")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("audit-row")).ToHaveCountAsync(0);
        }

        await page.GotoAsync($"/decisions/{await DecisionIdAsync(null)}");
        await Expect(page.GetByTestId("score-breakdown")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("approve")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("dismiss")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_ended_session_returns_to_sign_in_and_then_to_the_page_wanted()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);
        await page.Context.ClearCookiesAsync();

        await page.GotoAsync($"/reports?domain={Reports.SeedDomain}");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?returnUrl="));
        await Expect(page.Locator("body")).ToContainTextAsync("Sign in to continue");
        await Platform.SubmitSignInAsync(page, Platform.ViewerEmail);

        await Expect(page).ToHaveURLAsync(new Regex($"/reports\\?domain={Regex.Escape(Reports.SeedDomain)}$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Reports");
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
    }

    [Fact]
    public async Task A_sign_out_without_the_form_token_is_refused_and_the_session_goes_on()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);

        var forged = await page.Context.APIRequest.PostAsync("/account/logout", new() { MaxRedirects = 0 });

        Assert.Equal(400, forged.Status);
        Assert.Contains("token is missing or stale", await forged.TextAsync(), StringComparison.Ordinal);
        await page.GotoAsync("/reports");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Reports");
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_a_message()
    {
        var context = await platform.Browser.NewContextAsync(platform.ContextOptions());
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", Platform.ViewerEmail);
        await page.FillAsync("#password", "not-the-password-at-all");
        await page.ClickAsync("button[type=submit]");

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong email or password, or the account is locked for a while after too many failed sign-ins.");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
    }

    private async Task<string> DecisionIdAsync(string? reviewStatus)
    {
        var decisions = await platform.WaitForApiAsync(
            $"/api/decisions?ip={Reports.SeededHostile}&reviewStatus={reviewStatus}", json => json.GetProperty("items").GetArrayLength() > 0);
        return decisions.GetProperty("items")[0].GetProperty("id").GetString()!;
    }

    private static ILocator Outcome(IPage page, string file) =>
        page.Locator($"[data-testid=upload-item][data-file='{file}'] [data-testid=upload-outcome]");

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
