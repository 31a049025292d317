using DmarcSecurity.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>DMARC failure reports from the upload page to the failure reports page and a report's detail, in a real browser.</summary>
[Collection(PlatformCollection.Name)]
public sealed class FailureReportsPageTests(Platform platform)
{
    [Fact]
    public async Task Analyst_uploads_a_failure_report_and_sees_it_listed_with_its_headers_and_authentication_results()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var domain = $"ruf-{run}.example";
        var arrival = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-1).AddHours(9).AddMinutes(14), TimeSpan.Zero);
        var eml = FailureReportEml.Build("dmarc-noreply@receiver.example", "203.0.113.77", domain, $"spoof-{run}@spoofer.invalid", arrival,
            subject: "Urgent wire transfer", body: "Please pay the attached invoice today.");
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync("/upload");
        await Expect(page.Locator("[data-testid=upload][data-ready=true]")).ToBeVisibleAsync();

        await page.Locator("input[type=file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = $"ruf-{run}.eml", MimeType = "message/rfc822", Buffer = eml },
        });

        await Expect(page.GetByTestId("upload-summary")).ToContainTextAsync("1 stored", new() { Timeout = 30_000 });
        var stored = page.Locator($"[data-testid=upload-item][data-file='ruf-{run}.eml'] [data-testid=upload-outcome]");
        await Expect(stored).ToContainTextAsync("Stored — failure report #");
        await Expect(stored.Locator("a")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^/failure-reports/[0-9]+$"));

        await page.GotoAsync($"/ingestion?fileName=ruf-{run}");
        await Expect(page.GetByTestId("ingestion-row").GetByTestId("ingestion-failure-report")).ToHaveCountAsync(1);

        await page.GotoAsync($"/failure-reports?domain={domain}");
        var rows = page.GetByTestId("failure-report-row");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.GetByTestId("ruf-row-ip")).ToHaveTextAsync("203.0.113.77");
        await Expect(rows.First.GetByTestId("ruf-row-ip")).ToHaveAttributeAsync("href", "/sources/203.0.113.77");
        await Expect(rows.First.GetByTestId("ruf-row-failures")).ToHaveTextAsync("dmarc");
        await Expect(rows.First.GetByTestId("ruf-row-subject")).ToHaveTextAsync("Urgent wire transfer");
        await Expect(rows.First).ToContainTextAsync("dmarc-noreply@receiver.example");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "failure-reports-1280x720.png"), FullPage = true });

        await Platform.ClickUntilAsync(rows.First.Locator("a").First, page.GetByTestId("ruf-reporter"));

        await Expect(page.GetByTestId("ruf-reporter")).ToHaveTextAsync("dmarc-noreply@receiver.example");
        await Expect(page.GetByTestId("ruf-source-ip")).ToHaveAttributeAsync("href", "/sources/203.0.113.77");
        await Expect(page.GetByTestId("ruf-failures")).ToHaveTextAsync("dmarc");
        await Expect(page.GetByTestId("ruf-delivery")).ToHaveTextAsync("reject");
        await Expect(page.GetByTestId("ruf-auth-results")).ToContainTextAsync($"dmarc=fail (p=reject) header.from={domain}");
        await Expect(page.GetByTestId("ruf-from")).ToHaveTextAsync($"\"Accounts\" <billing@{domain}>");
        await Expect(page.GetByTestId("ruf-subject")).ToHaveTextAsync("Urgent wire transfer");
        await Expect(page.GetByTestId("ruf-message-id")).ToHaveTextAsync($"spoof-{run}@spoofer.invalid");
        await Expect(page.GetByTestId("ruf-headers")).ToContainTextAsync("Received: from unknown (unknown [203.0.113.77])");
        await Expect(page.GetByTestId("ruf-no-body")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("ruf-body")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "failure-report-1280x720.png"), FullPage = true });

        await Platform.ClickUntilAsync(page.GetByTestId("ruf-source-ip"), page.Locator("h1", new() { HasText = "203.0.113.77" }));

        // The silo counts the report as the address's evidence once it has pumped the event; the page shows what it holds.
        var count = page.GetByTestId("source-failure-reports");
        for (var attempt = 0; attempt < 30 && !(await count.CountAsync() == 1 && (await count.TextContentAsync())?.Trim() == "1"); attempt++)
        {
            await Task.Delay(1000);
            await page.ReloadAsync();
        }

        await Expect(count).ToHaveTextAsync("1");
        await Expect(count).ToHaveAttributeAsync("href", "/failure-reports?sourceIp=203.0.113.77");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "failure-report-source-1280x720.png"), FullPage = true });
    }
}
