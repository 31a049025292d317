using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.Ingestion;

public sealed class ReportExtractorEmailTests
{
    private readonly ReportExtractor _extractor = new(ExtractionLimits.Default);

    private IReadOnlyList<ExtractedReport> ExtractSample(string name)
    {
        using var file = Samples.Open(name);
        return _extractor.Extract(file);
    }

    [Fact]
    public void Email_with_base64_gzip_attachment_yields_the_report()
    {
        var extracted = Assert.Single(ExtractSample("outlook-gz-attachment.eml"));

        Assert.Equal("Enterprise Outlook", extracted.Report.OrgName);
        Assert.Equal("c6f1d0a5c2b54b0e9f3b8e1a7d2c4f60", extracted.Report.ReportId);
        Assert.Equal(25, extracted.Report.Records.Sum(r => r.Count));
        Assert.Equal(Samples.Read("enterprise.protection.outlook.com!example.com!1700006400!1700092800.xml"), extracted.Xml.ToArray());
        Assert.Equal(
            "outlook-gz-attachment.eml > mime part 2 (enterprise.protection.outlook.com!example.com!1700006400!1700092800.xml.gz) > gunzip",
            extracted.Origin);
    }

    [Fact]
    public void Email_with_zip_attachment_yields_the_report_from_the_zip()
    {
        var extracted = Assert.Single(ExtractSample("google-zip-attachment.eml"));

        Assert.Equal("4917056829203411432", extracted.Report.ReportId);
        Assert.EndsWith("(google.com!example.com!1700006400!1700092799.zip)!/google.com!example.com!1700006400!1700092799.xml", extracted.Origin, StringComparison.Ordinal);
    }

    [Fact]
    public void Inline_quoted_printable_xml_body_is_decoded_and_parsed()
    {
        var extracted = Assert.Single(ExtractSample("inline-quoted-printable.eml"));

        Assert.Equal("receiver.example:1700006400:example.com", extracted.Report.ReportId);
        Assert.Equal(50, extracted.Report.Policy.Pct);
        Assert.Equal(3, extracted.Report.Records.Count);
        Assert.Equal(Samples.Read("rfc7489-example.xml"), extracted.Xml.ToArray());
        Assert.Equal("inline-quoted-printable.eml > mime part 1", extracted.Origin);
    }

    [Fact]
    public void Rfc2231_continued_and_percent_encoded_file_name_is_decoded_for_the_origin()
    {
        var extracted = Assert.Single(ExtractSample("rfc2231-filename.eml"));

        Assert.Equal("Mail.Ru", extracted.Report.OrgName);
        Assert.Equal("rfc2231-filename.eml > mime part 2 (réseau.example!example.com!1700006400!1700092799.xml.gz) > gunzip", extracted.Origin);
    }

    [Fact]
    public void Report_in_a_forwarded_message_rfc822_part_is_found()
    {
        var extracted = Assert.Single(ExtractSample("forwarded-rfc822.eml"));

        Assert.Equal("Yahoo", extracted.Report.OrgName);
        Assert.Equal("1700092805.429151", extracted.Report.ReportId);
        Assert.Equal("forwarded-rfc822.eml > mime part 2.2 (yahoo.com!example.com!1700006400!1700092799.xml.gz) > gunzip", extracted.Origin);
    }

    [Fact]
    public void Email_without_a_report_part_is_rejected_as_no_report_found()
    {
        var error = Assert.Throws<ReportRejectedException>(() => ExtractSample("no-report.eml"));

        Assert.Equal(RejectionReason.NoReportFound, error.Reason);
        Assert.StartsWith("no-report.eml:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yahoo_attachment_holding_the_word_unused_is_rejected_as_not_a_report()
    {
        var error = Assert.Throws<ReportRejectedException>(() => ExtractSample("yahoo-unused.eml"));

        Assert.Equal(RejectionReason.NotAReport, error.Reason);
        Assert.Contains("mime part 2 (yahoo.com!example.com!1683158400!1683244799.xml.gz) > gunzip", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"unused\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Email_layers_do_not_count_toward_archive_nesting()
    {
        var zip = Archives.Zip(("report.xml.gz", Archives.Gzip(Samples.Read("rfc9990-example.xml"))));
        var message = Messages.Forwarding(Messages.WithAttachment(zip, "report.zip", "application/zip"));

        var extracted = Assert.Single(_extractor.Extract(new MemoryStream(message)));

        Assert.Equal("Sample Reporter", extracted.Report.OrgName);
        Assert.Equal("input > mime part 2.2 (report.zip)!/report.xml.gz > gunzip", extracted.Origin);
    }

    [Fact]
    public void Messages_forwarded_deeper_than_the_limit_are_rejected()
    {
        var message = Messages.WithAttachment(Archives.Gzip(Samples.Read("rfc9990-example.xml")), "r.xml.gz");
        for (var i = 0; i < 5; i++)
        {
            message = Messages.Forwarding(message);
        }

        var error = Assert.Throws<ReportRejectedException>(() => _extractor.Extract(new MemoryStream(message)));

        Assert.Equal(RejectionReason.NestingTooDeep, error.Reason);
    }

    [Fact]
    public void Messages_forwarded_up_to_the_limit_are_read()
    {
        var message = Messages.WithAttachment(Archives.Gzip(Samples.Read("rfc9990-example.xml")), "r.xml.gz");
        for (var i = 0; i < 4; i++)
        {
            message = Messages.Forwarding(message);
        }

        Assert.Equal("Sample Reporter", Assert.Single(_extractor.Extract(new MemoryStream(message))).Report.OrgName);
    }
}
