using System.IO.Compression;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.Ingestion;

/// <summary>Raw zlib streams (RFC 1950), as some reporters send instead of gzip files.</summary>
public sealed class ReportExtractorZlibTests
{
    private readonly ReportExtractor _extractor = new(ExtractionLimits.Default);

    private static byte[] Zlib(byte[] content)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(content);
        }

        return output.ToArray();
    }

    [Fact]
    public void Raw_zlib_report_is_inflated_and_parsed()
    {
        var xml = Samples.Read("rfc9990-example.xml");

        var extracted = Assert.Single(_extractor.Extract(new MemoryStream(Zlib(xml))));

        Assert.Equal("Sample Reporter", extracted.Report.OrgName);
        Assert.Equal(xml, extracted.Xml.ToArray());
        Assert.Equal("input > zlib", extracted.Origin);
    }

    [Fact]
    public void Raw_zlib_attachment_in_a_mail_is_read()
    {
        var message = Messages.WithAttachment(Zlib(Samples.Read("rfc9990-example.xml")), "report.xml.z", "application/octet-stream");

        var extracted = Assert.Single(_extractor.Extract(new MemoryStream(message)));

        Assert.Equal("input > mime part 2 (report.xml.z) > zlib", extracted.Origin);
    }

    [Fact]
    public void Mail_text_that_merely_starts_like_zlib_is_passed_over_and_the_report_beside_it_read()
    {
        var report = Archives.Gzip(Samples.Read("rfc9990-example.xml"));
        var message = Messages.WithAttachments((System.Text.Encoding.ASCII.GetBytes("x^2 + y^2 = r^2, as discussed."), "notes.txt"), (report, "r.xml.gz"));

        var extracted = Assert.Single(_extractor.Extract(new MemoryStream(message)));

        Assert.Equal("Sample Reporter", extracted.Report.OrgName);
    }

    [Fact]
    public void Zlib_bomb_is_rejected_on_its_ratio()
    {
        var bomb = Zlib(new byte[64 * 1024 * 1024]);

        var error = Assert.Throws<ReportRejectedException>(() => _extractor.Extract(new MemoryStream(bomb)));

        Assert.Equal(RejectionReason.CompressionRatioExceeded, error.Reason);
    }

    [Fact]
    public void Zlib_cut_short_is_rejected()
    {
        var whole = Zlib(Samples.Read("rfc9990-example.xml"));

        var error = Assert.Throws<ReportRejectedException>(() => _extractor.Extract(new MemoryStream(whole[..(whole.Length / 2)])));

        Assert.Contains(error.Reason, new[] { RejectionReason.Truncated, RejectionReason.MalformedXml });
        Assert.StartsWith("input > zlib:", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>Gzip files with bytes after the trailer, as some reporters' transfers leave them.</summary>
public sealed class ReportExtractorGzipTrailingBytesTests
{
    private readonly ReportExtractor _extractor = new(ExtractionLimits.Default);

    [Theory]
    [InlineData(new byte[] { 0x0A })]
    [InlineData(new byte[] { 0x0D, 0x0A })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void Gzip_with_bytes_after_its_trailer_is_read(byte[] trailing)
    {
        var xml = Samples.Read("rfc9990-example.xml");
        byte[] input = [.. Archives.Gzip(xml), .. trailing];

        var extracted = Assert.Single(_extractor.Extract(new MemoryStream(input)));

        Assert.Equal(xml, extracted.Xml.ToArray());
    }

    [Fact]
    public void Gzip_cut_short_is_still_rejected_as_truncated()
    {
        var whole = Archives.Gzip(Samples.Read("rfc9990-example.xml"));

        var error = Assert.Throws<ReportRejectedException>(() => _extractor.Extract(new MemoryStream(whole[..^5])));

        Assert.Equal(RejectionReason.Truncated, error.Reason);
    }
}
