using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>The scheduled jobs page: every job with its schedule; an Admin runs retention now and sees the run.</summary>
[Collection(PlatformCollection.Name)]
public sealed class JobsPageTests(Platform platform)
{
    [Fact]
    public async Task An_Admin_runs_a_job_now_and_sees_how_it_went()
    {
        var page = await platform.SignInAsync(Platform.AdminEmail);
        await page.GotoAsync("/admin/jobs");
        await Platform.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(5);
        var retention = page.Locator("[data-job=retention]");

        await Platform.ClickUntilAsync(retention.GetByTestId("run-now"), retention.GetByText("Succeeded"));

        await Expect(retention.GetByTestId("job-last")).ToContainTextAsync("Removed ");
        await Expect(retention).ToContainTextAsync($"manual:{Platform.AdminEmail}");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "jobs-1280x720.png") });
    }
}
