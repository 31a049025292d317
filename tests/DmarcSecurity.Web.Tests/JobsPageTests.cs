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
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(9);
        await Expect(page.Locator("[data-job=dns-posture]")).ToContainTextAsync("DMARC, SPF, DKIM, MTA-STS and TLS-RPT");
        var retention = page.Locator("[data-job=retention]");

        await Platform.ClickUntilAsync(retention.GetByTestId("run-now"), retention.GetByText("Succeeded"));

        await Expect(retention.GetByTestId("job-last")).ToContainTextAsync("Removed ");
        await Expect(retention).ToContainTextAsync($"manual:{Platform.AdminEmail}");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "jobs-1280x720.png") });
    }

    [Fact]
    public async Task A_watched_folders_reader_is_a_job_that_runs_now_and_says_what_it_read()
    {
        var page = await platform.SignInAsync(Platform.AdminEmail);
        await page.GotoAsync("/admin/jobs");
        await Platform.WaitForInteractiveAsync(page);
        var folder = page.Locator("[data-job='folder:drop']");
        await Expect(folder).ToContainTextAsync("reader");
        await Expect(folder).ToContainTextAsync("1 h");
        var name = $"jobs-{Guid.NewGuid():N}.xml";
        await File.WriteAllBytesAsync(Path.Combine(platform.DropFolder, name), DmarcSecurity.Testing.AggregateReportXml.Build("jobs.example", "jobs-reporter.example", $"jobs-{Guid.NewGuid():N}", 1, [("192.0.2.30", 40, true, "none")]));

        await Platform.ClickUntilAsync(folder.GetByTestId("run-now"), folder.GetByText("1 file(s) to processed/"));

        await Expect(folder.GetByTestId("job-last")).ToHaveTextAsync("1 file(s) to processed/, 0 to invalid/, 0 left for the next poll, 0 still being written.");
        await Expect(folder).ToContainTextAsync($"manual:{Platform.AdminEmail}");
        Assert.True(File.Exists(Path.Combine(platform.DropFolder, "processed", name)));
        await folder.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "jobs-folder-1280x720.png") });
    }
}
