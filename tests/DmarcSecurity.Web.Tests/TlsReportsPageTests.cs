using DmarcSecurity.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>SMTP TLS reports from the upload page to the TLS reports page and a report's detail, in a real browser.</summary>
[Collection(PlatformCollection.Name)]
public sealed class TlsReportsPageTests(Platform platform)
{
    [Fact]
    public async Task Analyst_uploads_tls_reports_and_sees_their_sessions_per_domain_and_the_failure_details()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var domain = $"tls-{run}.example";
        var begin = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-2), TimeSpan.Zero);
        var google = TlsReportJson.Build($"g-{run}", begin, "Google Inc.", new TlsPolicy(domain, 4_820, "sts",
            new TlsFailure("starttls-not-supported", "209.85.220.41", $"mx1.{domain}", 150, "198.51.100.25"),
            new TlsFailure("certificate-expired", "209.85.220.42", $"mx1.{domain}", 30, "198.51.100.25", "X509_V_ERR_CERT_HAS_EXPIRED")));
        var microsoft = TlsReportJson.Build($"m-{run}", begin.AddDays(1), "Microsoft Corporation", new TlsPolicy(domain, 1_180, "sts",
            new TlsFailure("certificate-expired", "40.107.22.52", $"mx1.{domain}", 20, "198.51.100.25")));
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync("/upload");
        await Expect(page.Locator("[data-testid=upload][data-ready=true]")).ToBeVisibleAsync();

        await page.Locator("input[type=file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = $"google.com!{domain}!1!2.json", MimeType = "application/tlsrpt+json", Buffer = google },
            new FilePayload { Name = $"microsoft.com!{domain}!1!2.json.gz", MimeType = "application/tlsrpt+gzip", Buffer = TlsReportJson.Gzip(microsoft) },
        });

        await Expect(page.GetByTestId("upload-summary")).ToContainTextAsync("2 stored", new() { Timeout = 30_000 });
        var stored = page.Locator($"[data-testid=upload-item][data-file='google.com!{domain}!1!2.json'] [data-testid=upload-outcome]");
        await Expect(stored).ToContainTextAsync("Stored — TLS report #");
        await Expect(stored.Locator("a")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^/tls-reports/[0-9]+$"));

        await page.GotoAsync($"/ingestion?fileName={domain}");
        var arrivals = page.GetByTestId("ingestion-row");
        await Expect(arrivals).ToHaveCountAsync(2);
        await Expect(arrivals.GetByTestId("ingestion-tls-report")).ToHaveCountAsync(2);
        await Expect(arrivals.First.GetByTestId("ingestion-outcome")).ToContainTextAsync("Stored");

        await page.GotoAsync($"/tls-reports?domain={domain}");
        var row = page.GetByTestId("tls-summary-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("tls-successful")).ToHaveTextAsync("6,000");
        await Expect(row.GetByTestId("tls-failed")).ToHaveTextAsync("200");
        await Expect(row.GetByTestId("tls-failure-rate")).ToHaveTextAsync("3.2%");
        await Expect(row).ToContainTextAsync("starttls-not-supported (150), certificate-expired (50)");
        var reports = page.GetByTestId("tls-report-row");
        await Expect(reports).ToHaveCountAsync(2);
        await Expect(reports.First).ToContainTextAsync("Microsoft Corporation");
        await Expect(reports.First.GetByTestId("tls-row-successful")).ToHaveTextAsync("1,180");
        await Expect(reports.Nth(1).GetByTestId("tls-row-failed")).ToHaveTextAsync("180");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "tls-reports-1280x720.png"), FullPage = true });

        await Platform.ClickUntilAsync(reports.Nth(1).Locator("a").First, page.GetByTestId("tls-report-id"));

        await Expect(page.GetByTestId("tls-report-id")).ToHaveTextAsync($"g-{run}");
        await Expect(page.GetByTestId("tls-report-successful")).ToHaveTextAsync("4,820");
        await Expect(page.GetByTestId("tls-report-failed")).ToHaveTextAsync("180");
        var failures = page.GetByTestId("tls-failure-row");
        await Expect(failures).ToHaveCountAsync(2);
        await Expect(failures.First).ToContainTextAsync("starttls-not-supported");
        await Expect(failures.First).ToContainTextAsync("209.85.220.41");
        await Expect(failures.Nth(1)).ToContainTextAsync("X509_V_ERR_CERT_HAS_EXPIRED");
        await Expect(page.GetByTestId("tls-policy")).ToContainTextAsync("mode: enforce");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "tls-report-1280x720.png"), FullPage = true });
    }
}
