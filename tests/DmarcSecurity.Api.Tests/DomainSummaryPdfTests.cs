using System.Diagnostics;
using System.Net;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests;

/// <summary>A domain's PDF summary, read back with poppler's pdftotext.</summary>
public abstract class DomainSummaryPdfTests(ApiFixture fixture)
{
    [Fact]
    public async Task The_summary_pdf_holds_the_domains_totals_senders_failing_sources_and_days()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var domain = $"pdf-{run}.example";
        var day = new DateTimeOffset(2026, 9, 14, 0, 0, 0, TimeSpan.Zero);
        await Upload.FilesAsync(fixture.Client,
            ($"{run}-1.xml", ReportXml.Build($"a-{run}", domain, begin: day, records:
                [new TestRecord("192.0.2.1", 1200, HeaderFrom: domain), new TestRecord("198.51.100.9", 300, "reject", "fail", "fail", domain)])),
            ($"{run}-2.xml", ReportXml.Build($"b-{run}", domain, begin: day.AddDays(1), records: [new TestRecord("192.0.2.1", 800, HeaderFrom: domain)])));

        using var response = await fixture.Client.GetAsync($"/api/exports/domains/{domain}/summary.pdf");
        using var missing = await fixture.Client.GetAsync($"/api/exports/domains/nothing-{run}.example/summary.pdf");
        using var badRange = await fixture.Client.GetAsync($"/api/exports/domains/{domain}/summary.pdf?from=2026-09-15T00:00:00Z&to=2026-09-14T00:00:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"dmarc-summary-{domain}.pdf", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var pdf = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);
        var text = await PdfTextAsync(pdf);
        Assert.Contains($"DMARC summary: {domain}", text);
        Assert.Contains("Period: all time", text);
        Assert.Matches(@"2,300\s+87\.0%\s+300\s+2\s+2\s+1", text);
        Assert.Contains("p=quarantine: not yet · p=reject: not yet", text);
        Assert.Contains("No sending service is marked as authorised", text);
        Assert.Matches(@"198\.51\.100\.9\s+300\s+300\s+0\s+100\.0%", text);
        Assert.Matches(@"2026-09-14\s+1,500\s+1,200\s+300\s+80\.0%", text);
        Assert.Matches(@"2026-09-15\s+800\s+800\s+0\s+100\.0%", text);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
    }

    private static async Task<string> PdfTextAsync(byte[] pdf)
    {
        var file = Path.Combine(Path.GetTempPath(), $"summary-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-layout", file, "-"]) { RedirectStandardOutput = true })
                ?? throw new InvalidOperationException("pdftotext did not start (Debian package poppler-utils; test.sh installs it).");
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            return text;
        }
        finally
        {
            File.Delete(file);
        }
    }
}

public sealed class DomainSummaryPdfPostgreSqlTests(PostgreSqlApiFixture fixture) : DomainSummaryPdfTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class DomainSummaryPdfSqliteTests(SqliteApiFixture fixture) : DomainSummaryPdfTests(fixture), IClassFixture<SqliteApiFixture>;
