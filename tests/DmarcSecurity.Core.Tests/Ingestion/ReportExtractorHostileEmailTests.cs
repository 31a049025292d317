using System.Security.Cryptography;
using System.Text;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.Ingestion;

/// <summary>E-mail messages an attacker controls: bombs, deep nesting and attachments that lie about their type.</summary>
public sealed class ReportExtractorHostileEmailTests
{
    private readonly ReportExtractor _extractor = new(ExtractionLimits.Default);

    private static ReportRejectedException Rejected(ReportExtractor extractor, byte[] input) =>
        Assert.Throws<ReportRejectedException>(() => extractor.Extract(new MemoryStream(input)));

    [Fact]
    public void Mail_carrying_a_gzip_bomb_is_rejected_before_inflating_past_the_ratio_cap()
    {
        var message = Messages.WithAttachment(Archives.GzipBomb(64L * 1024 * 1024), "google.com!example.com!1!2.xml.gz");
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Rejected(_extractor, message);

        Assert.Equal(RejectionReason.CompressionRatioExceeded, error.Reason);
        Assert.StartsWith("input > mime part 2 (google.com!example.com!1!2.xml.gz):", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 24_000_000, "inflation went on past the ratio limit");
    }

    [Fact]
    public void Mail_whose_many_attachments_together_inflate_past_the_cap_is_rejected()
    {
        // Each attachment is harmless alone (ratio about 2:1, 200 KB); together they pass the 1 MB budget of one input.
        var extractor = new ReportExtractor(new ExtractionLimits { MaxDecompressedBytes = 1_000_000 });
        var attachments = Enumerable.Range(0, 10)
            .Select(i => (Archives.Gzip([.. Samples.Read("rfc9990-example.xml"), .. PaddingComment()]), $"part{i}.xml.gz"))
            .ToArray();

        var error = Rejected(extractor, Messages.WithAttachments(attachments));

        Assert.Equal(RejectionReason.DecompressedSizeExceeded, error.Reason);
        Assert.Contains("mime part ", error.Message, StringComparison.Ordinal);
    }

    /// <summary>200 KB of random hex in an XML comment after the report: a valid report that compresses about 2:1.</summary>
    private static byte[] PaddingComment() =>
        Encoding.ASCII.GetBytes($"<!-- {Convert.ToHexString(RandomNumberGenerator.GetBytes(100_000))} -->");

    [Fact]
    public void Message_rfc822_nested_a_thousand_levels_deep_is_rejected_as_nesting_too_deep()
    {
        var message = Messages.WithAttachment(Archives.Gzip(Samples.Read("rfc9990-example.xml")), "r.xml.gz");
        for (var i = 0; i < 1000; i++)
        {
            message = Messages.Forwarding(message);
        }

        var error = Rejected(_extractor, message);

        Assert.Equal(RejectionReason.NestingTooDeep, error.Reason);
        Assert.Contains("e-mail messages are nested more than 5 deep", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multipart_nested_a_thousand_levels_deep_is_rejected_as_nesting_too_deep()
    {
        var builder = new StringBuilder("From: a@example.com\r\nTo: dmarc@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
        for (var i = 0; i < 1000; i++)
        {
            builder.Append($"Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n");
        }

        builder.Append("Content-Type: text/xml\r\n\r\n").Append(Encoding.UTF8.GetString(Samples.Read("rfc9990-example.xml")));

        var error = Rejected(_extractor, Encoding.UTF8.GetBytes(builder.ToString()));

        Assert.Equal(RejectionReason.NestingTooDeep, error.Reason);
        Assert.Contains("multipart bodies are nested more than 16 deep", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attachment_claiming_to_be_a_pdf_that_holds_a_gzip_report_is_read_by_its_bytes()
    {
        var message = Messages.WithAttachment(Archives.Gzip(Samples.Read("rfc9990-example.xml")), "invoice.pdf", "application/pdf");

        var extracted = Assert.Single(_extractor.Extract(new MemoryStream(message)));

        Assert.Equal("Sample Reporter", extracted.Report.OrgName);
        Assert.Equal("input > mime part 2 (invoice.pdf) > gunzip", extracted.Origin);
    }

    [Fact]
    public void Attachment_claiming_to_be_report_xml_that_holds_a_zip_bomb_is_rejected()
    {
        var message = Messages.WithAttachment(Archives.ZipBomb("report.xml", 64L * 1024 * 1024), "report.xml", "text/xml");

        var error = Rejected(_extractor, message);

        Assert.Equal(RejectionReason.CompressionRatioExceeded, error.Reason);
        Assert.StartsWith("input > mime part 2 (report.xml)!/report.xml:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attachment_claiming_to_be_a_gzip_report_that_holds_an_executable_is_no_report()
    {
        byte[] executable = [.. "MZ"u8, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, .. RandomNumberGenerator.GetBytes(4096)];
        var message = Messages.WithAttachment(executable, "google.com!example.com!1700006400!1700092799.xml.gz");

        var error = Rejected(_extractor, message);

        Assert.Equal(RejectionReason.NoReportFound, error.Reason);
    }

    [Fact]
    public void Mbox_export_with_an_envelope_line_is_read()
    {
        var message = Messages.WithAttachment(Archives.Gzip(Samples.Read("rfc9990-example.xml")), "r.xml.gz");
        byte[] mbox = [.. "From noreply-dmarc-support@reporter.example Thu Nov 16 00:00:05 2023\r\n"u8, .. message];

        var extracted = Assert.Single(_extractor.Extract(new MemoryStream(mbox)));

        Assert.Equal("Sample Reporter", extracted.Report.OrgName);
    }
}
