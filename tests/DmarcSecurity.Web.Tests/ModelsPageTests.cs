using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>The learned-severity page: before there are enough verdicts, no model, and training says why it cannot; then
/// a version trained on verdicts, activated, allowed to decide and returned to advice.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ModelsPageTests(Platform platform)
{
    [Fact]
    public async Task Trains_once_there_are_verdicts_and_an_admin_activates_it_and_lets_it_decide()
    {
        var page = await platform.SignInAsync(Platform.AdminEmail);
        await page.GotoAsync("/admin/models");
        await Platform.WaitForInteractiveAsync(page);
        await Expect(page.GetByText("No model yet")).ToBeVisibleAsync();

        // The first click may land before the circuit is connected: click until the answer shows.
        await Platform.ClickUntilAsync(page.GetByTestId("train"), page.GetByRole(Microsoft.Playwright.AriaRole.Alert));

        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Alert)).ToContainTextAsync("Training needs at least 10 approved and 10 dismissed decisions; there are");
        await Expect(page.GetByTestId("model-row")).ToHaveCountAsync(0);
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "models-untrained-1280x720.png") });

        await platform.SeedVerdictsAsync(12);
        await page.GetByTestId("train").ClickAsync();
        // 24 seeded verdicts, and those other tests of the collection gave before this one.
        await Expect(page.GetByTestId("trained")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Version 1 trained on (2[4-9]|[3-9]\d) verdicts"));
        var row = page.GetByTestId("model-row");
        await Expect(row).ToHaveCountAsync(1);

        await row.GetByTestId("activate").ClickAsync();
        await Expect(row).ToContainTextAsync("Active");
        await Expect(row.GetByTestId("model-decides")).ToContainTextAsync("advises only");

        await row.GetByTestId("let-decide").ClickAsync();
        await Expect(row.GetByTestId("model-decides")).ToContainTextAsync("Decides since");
        await Expect(row.GetByTestId("model-decides")).ToContainTextAsync($"by {Platform.AdminEmail}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "models-deciding-1280x720.png") });

        await row.GetByTestId("advise-only").ClickAsync();
        await Expect(row.GetByTestId("model-decides")).ToContainTextAsync("advises only");
    }
}
