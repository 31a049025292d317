using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Reports;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.Reports;

public sealed class AggregateReportParserRejectionTests
{
    private static ReportRejectedException Rejected(string sample) =>
        Assert.Throws<ReportRejectedException>(() => AggregateReportParser.Parse(Samples.Read(sample)));

    [Fact]
    public void Xxe_entity_declaration_is_rejected_as_dtd_prohibited()
    {
        var error = Rejected("hostile-xxe.xml");

        Assert.Equal(RejectionReason.DtdProhibited, error.Reason);
        Assert.Contains("DOCTYPE", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Billion_laughs_is_rejected_without_expanding_entities()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Rejected("hostile-billion-laughs.xml");

        Assert.Equal(RejectionReason.DtdProhibited, error.Reason);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
    }

    [Fact]
    public void External_dtd_reference_is_rejected_as_dtd_prohibited()
    {
        Assert.Equal(RejectionReason.DtdProhibited, Rejected("hostile-external-dtd.xml").Reason);
    }

    [Fact]
    public void Xml_that_stops_mid_record_is_rejected_as_truncated()
    {
        var error = Rejected("truncated.xml");

        Assert.Equal(RejectionReason.Truncated, error.Reason);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Closing_tag_without_its_bracket_is_rejected_as_malformed_with_the_position()
    {
        var error = Rejected("malformed.xml");

        Assert.Equal(RejectionReason.MalformedXml, error.Reason);
        Assert.Contains("line 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Xml_whose_root_is_not_feedback_is_not_a_report()
    {
        var error = Rejected("not-a-report.xml");

        Assert.Equal(RejectionReason.NotAReport, error.Reason);
        Assert.Contains("<html>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feedback_without_policy_published_is_not_a_report()
    {
        var error = Rejected("missing-policy-published.xml");

        Assert.Equal(RejectionReason.NotAReport, error.Reason);
        Assert.Contains("policy_published", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_that_is_just_the_word_unused_is_not_a_report()
    {
        var error = Rejected("unused.txt");

        Assert.Equal(RejectionReason.NotAReport, error.Reason);
        Assert.Contains("\"unused\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_bytes_are_rejected_as_empty_input()
    {
        Assert.Equal(RejectionReason.EmptyInput, Rejected("empty.xml").Reason);
    }

    private static ReportRejectedException RejectedXml(string metadata, string domain = "example.com") =>
        Assert.Throws<ReportRejectedException>(() => AggregateReportParser.Parse(System.Text.Encoding.UTF8.GetBytes(
            $"<feedback><report_metadata>{metadata}</report_metadata><policy_published><domain>{domain}</domain><p>none</p></policy_published></feedback>")));

    [Fact]
    public void Date_range_of_a_hundred_years_is_rejected()
    {
        var error = RejectedXml("<org_name>x.example</org_name><report_id>1</report_id><date_range><begin>0</begin><end>3155760000</end></date_range>");

        Assert.Equal(RejectionReason.NotAReport, error.Reason);
        Assert.Contains("date_range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlong_identity_fields_are_rejected_before_they_reach_storage()
    {
        const string range = "<date_range><begin>1700000000</begin><end>1700086399</end></date_range>";

        var org = RejectedXml($"<org_name>{new string('a', 600)}</org_name><report_id>1</report_id>{range}");
        var id = RejectedXml($"<org_name>x.example</org_name><report_id>{new string('7', 2000)}</report_id>{range}");
        var domain = RejectedXml($"<org_name>x.example</org_name><report_id>1</report_id>{range}", new string('d', 300) + ".example");

        Assert.Contains("org_name", org.Message, StringComparison.Ordinal);
        Assert.Contains("report_id", id.Message, StringComparison.Ordinal);
        Assert.Contains("domain", domain.Message, StringComparison.Ordinal);
    }
}
