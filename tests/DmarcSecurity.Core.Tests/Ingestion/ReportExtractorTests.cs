using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.Ingestion;

public sealed class ReportExtractorTests
{
    private const string Google = "google.com!example.com!1700006400!1700092799.xml";
    private const string Outlook = "enterprise.protection.outlook.com!example.com!1700006400!1700092800.xml";

    private readonly ReportExtractor _extractor = new(ExtractionLimits.Default);

    private IReadOnlyList<ExtractedReport> Extract(byte[] input) => _extractor.Extract(new MemoryStream(input));

    [Fact]
    public void Plain_xml_file_yields_one_report_holding_the_file_bytes_and_its_name()
    {
        using var file = Samples.Open(Google);

        var extracted = Assert.Single(_extractor.Extract(file));

        Assert.Equal("4917056829203411432", extracted.Report.ReportId);
        Assert.Equal(Samples.Read(Google), extracted.Xml.ToArray());
        Assert.Equal(Google, extracted.Origin);
    }

    [Fact]
    public void Xml_with_bom_and_leading_whitespace_is_recognised_as_xml()
    {
        var extracted = Assert.Single(Extract(Samples.Read("quirk-leading-whitespace-bom.xml")));

        Assert.Equal("q-bom", extracted.Report.ReportId);
    }

    [Fact]
    public void Gzipped_report_is_inflated_and_parsed()
    {
        var xml = Samples.Read(Outlook);

        var extracted = Assert.Single(Extract(Archives.Gzip(xml)));

        Assert.Equal("Enterprise Outlook", extracted.Report.OrgName);
        Assert.Equal(3, extracted.Report.Records.Count);
        Assert.Equal(xml, extracted.Xml.ToArray());
        Assert.Equal("input > gunzip", extracted.Origin);
    }

    [Fact]
    public void Zip_with_two_xml_entries_yields_both_reports_whatever_the_entries_are_called()
    {
        var zip = Archives.Zip(
            ("README.txt", "Aggregate reports for example.com"u8.ToArray()),
            ("report-a.dat", Samples.Read(Google)),
            ("nested/report-b", Samples.Read(Outlook)));

        var reports = Extract(zip);

        Assert.Equal(["google.com", "Enterprise Outlook"], reports.Select(r => r.Report.OrgName));
        Assert.Equal(["input!/report-a.dat", "input!/nested/report-b"], reports.Select(r => r.Origin));
    }

    [Fact]
    public void Zip_holding_a_gzipped_report_is_read_through_both_layers()
    {
        var zip = Archives.Zip(("report.xml.gz", Archives.Gzip(Samples.Read(Google))));

        var extracted = Assert.Single(Extract(zip));

        Assert.Equal(3, extracted.Report.Records.Count);
        Assert.Equal("input!/report.xml.gz > gunzip", extracted.Origin);
    }

    [Fact]
    public void File_extension_does_not_decide_how_content_is_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.xml");
        File.WriteAllBytes(path, Archives.Gzip(Samples.Read(Google)));
        try
        {
            using var file = File.OpenRead(path);

            var extracted = Assert.Single(_extractor.Extract(file));

            Assert.Equal("google.com", extracted.Report.OrgName);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Extraction_starts_at_the_stream_position()
    {
        var stream = new MemoryStream([.. "ignored prefix"u8.ToArray(), .. Samples.Read(Google)]) { Position = "ignored prefix".Length };

        Assert.Equal("google.com", Assert.Single(_extractor.Extract(stream)).Report.OrgName);
    }

    [Fact]
    public void Non_seekable_stream_is_read_to_its_end()
    {
        using var pipe = new NonSeekableStream(Archives.Gzip(Samples.Read(Google)));

        Assert.Equal("google.com", Assert.Single(_extractor.Extract(pipe)).Report.OrgName);
    }

    [Fact]
    public void Small_report_that_compresses_very_well_is_not_refused_for_its_ratio()
    {
        var padded = System.Text.Encoding.UTF8.GetString(Samples.Read(Google))
            .Replace("</feedback>", $"<!-- {new string('=', 900_000)} -->\n</feedback>", StringComparison.Ordinal);
        var gzip = Archives.Gzip(System.Text.Encoding.UTF8.GetBytes(padded));
        Assert.True(padded.Length / gzip.Length > 100);

        Assert.Equal("google.com", Assert.Single(Extract(gzip)).Report.OrgName);
    }

    private sealed class NonSeekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
