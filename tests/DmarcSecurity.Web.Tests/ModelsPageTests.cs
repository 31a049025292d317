using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>The learned-severity page before there are enough verdicts: no model, and training says why it cannot.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ModelsPageTests(Platform platform)
{
    [Fact]
    public async Task Training_without_enough_verdicts_says_how_many_are_needed_and_trains_nothing()
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
    }
}
