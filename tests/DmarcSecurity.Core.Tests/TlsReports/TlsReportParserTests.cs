using System.Text;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Tests.Support;
using DmarcSecurity.Core.TlsReports;

namespace DmarcSecurity.Core.Tests.TlsReports;

public sealed class TlsReportParserTests
{
    private const string Microsoft = "microsoft.com!example.com!1700006400!1700092799.json";
    private const string Google = "google.com!example.com!1700006400!1700092799!001.json";

    [Fact]
    public void Rfc8460_example_is_read_with_every_field()
    {
        var report = TlsReportParser.Parse(Samples.Read("tlsrpt-rfc8460-example.json"));

        Assert.Equal("Company-X", report.OrganizationName);
        Assert.Equal(new DateTimeOffset(2016, 4, 1, 0, 0, 0, TimeSpan.Zero), report.Start);
        Assert.Equal(new DateTimeOffset(2016, 4, 1, 23, 59, 59, TimeSpan.Zero), report.End);
        Assert.Equal("sts-reporting@company-x.example", report.ContactInfo);
        Assert.Equal("5065427c-23d3-47ca-b6e0-946ea0e8c4be", report.ReportId);
        var policy = Assert.Single(report.Policies);
        Assert.Equal(("sts", "company-y.example"), (policy.PolicyType, policy.PolicyDomain));
        Assert.Equal(["version: STSv1", "mode: testing", "mx: *.mail.company-y.example", "max_age: 86400"], policy.PolicyStrings);
        Assert.Equal(["*.mail.company-y.example"], policy.MxHosts);
        Assert.Equal((5326L, 303L), (policy.SuccessfulSessions, policy.FailedSessions));
        Assert.Equal(3, policy.FailureDetails.Count);
        Assert.Equal(
            new TlsFailureDetail("certificate-expired", "2001:db8:abcd:12::1", "mx1.mail.company-y.example", null, null, 100, null, null),
            policy.FailureDetails[0]);
        Assert.Equal(
            new TlsFailureDetail("starttls-not-supported", "2001:db8:abcd:13::1", "mx2.mail.company-y.example", null, "203.0.113.56", 200,
                "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported", null),
            policy.FailureDetails[1]);
        Assert.Equal(
            new TlsFailureDetail("validation-failure", "198.51.100.62", "mx-backup.mail.company-y.example", null, "203.0.113.58", 3, null,
                "X509_V_ERR_PROOF_OF_POSSESSION"),
            policy.FailureDetails[2]);
        Assert.Equal((5326L, 303L), (report.SuccessfulSessions, report.FailedSessions));
    }

    [Fact]
    public void Report_with_two_policies_and_no_policy_found_is_read()
    {
        var report = TlsReportParser.Parse(Samples.Read(Microsoft));

        Assert.Equal(("Microsoft Corporation", "133445952000000000+example.com"), (report.OrganizationName, report.ReportId));
        Assert.Equal(2, report.Policies.Count);
        Assert.Equal(["mx1.example.com", "mx2.example.com"], report.Policies[0].MxHosts);
        Assert.Equal(5, report.Policies[0].PolicyStrings.Count);
        Assert.Equal(("certificate-expired", "40.107.22.52", 3L),
            (report.Policies[0].FailureDetails[0].ResultType, report.Policies[0].FailureDetails[0].SendingMtaIp, report.Policies[0].FailureDetails[0].FailedSessions));
        var none = report.Policies[1];
        Assert.Equal(("no-policy-found", "mail.example.com", 40L, 0L), (none.PolicyType, none.PolicyDomain, none.SuccessfulSessions, none.FailedSessions));
        Assert.Empty(none.PolicyStrings);
        Assert.Empty(none.FailureDetails);
        Assert.Equal((852L, 3L), (report.SuccessfulSessions, report.FailedSessions));
    }

    [Fact]
    public void Mx_host_as_one_string_and_helo_are_read()
    {
        var report = TlsReportParser.Parse(Samples.Read(Google));

        var policy = Assert.Single(report.Policies);
        Assert.Equal(["mx1.example.com"], policy.MxHosts);
        var failure = Assert.Single(policy.FailureDetails);
        Assert.Equal(("sts-webpki-invalid", "mx1.example.com", "certificate has expired", 27L),
            (failure.ResultType, failure.ReceivingMxHelo, failure.FailureReasonCode, failure.FailedSessions));
    }

    [Fact]
    public void Byte_order_mark_and_missing_contact_info_are_accepted()
    {
        var json = Encoding.UTF8.GetBytes(Minimal().Replace("\"contact-info\":\"tls@reporter.example\",", "", StringComparison.Ordinal));

        var report = TlsReportParser.Parse((byte[])[0xEF, 0xBB, 0xBF, .. json]);

        Assert.Null(report.ContactInfo);
        Assert.Equal("r-1", report.ReportId);
    }

    [Fact]
    public void Gzipped_report_is_found_by_the_extractor_with_its_origin()
    {
        var gzip = Archives.Gzip(Samples.Read(Microsoft));

        var content = new ReportExtractor(ExtractionLimits.Default).ExtractContent(new MemoryStream(gzip), Microsoft + ".gz");

        Assert.Empty(content.Reports);
        var found = Assert.Single(content.TlsReports);
        Assert.Equal($"{Microsoft}.gz > gunzip", found.Origin);
        Assert.Equal("Microsoft Corporation", found.Report.OrganizationName);
        Assert.Equal(Samples.Read(Microsoft), found.Json.ToArray());
    }

    [Fact]
    public void Report_mail_with_a_tlsrpt_gzip_attachment_is_read()
    {
        var mail = Messages.WithAttachment(Archives.Gzip(Samples.Read(Google)), Google + ".gz", "application/tlsrpt+gzip");

        var content = new ReportExtractor(ExtractionLimits.Default).ExtractContent(new MemoryStream(mail), "report.eml");

        var found = Assert.Single(content.TlsReports);
        Assert.Equal($"report.eml > mime part 2 ({Google}.gz) > gunzip", found.Origin);
        Assert.Equal(1410, found.Report.SuccessfulSessions);
    }

    [Fact]
    public void Zip_holding_an_aggregate_and_a_tls_report_yields_both()
    {
        var zip = Archives.Zip(("a.xml", Samples.Read("google.com!example.com!1700006400!1700092799.xml")), ("b.json", Samples.Read(Google)));

        var content = new ReportExtractor(ExtractionLimits.Default).ExtractContent(new MemoryStream(zip));

        Assert.Single(content.Reports);
        Assert.Equal("Google Inc.", Assert.Single(content.TlsReports).Report.OrganizationName);
    }

    [Fact]
    public void Aggregate_only_extraction_refuses_an_input_holding_only_tls_reports()
    {
        var error = Assert.Throws<ReportRejectedException>(
            () => new ReportExtractor(ExtractionLimits.Default).Extract(new MemoryStream(Samples.Read(Google))));

        Assert.Equal(RejectionReason.NoReportFound, error.Reason);
    }

    [Theory]
    [InlineData("\"report-id\":\"r-1\",", "", "report-id is missing")]
    [InlineData("\"organization-name\":\"Reporter\"", "\"organization-name\":42", "organization-name is a number; expected a string")]
    [InlineData("\"total-successful-session-count\":10", "\"total-successful-session-count\":\"10\"",
        "policies[0].summary.total-successful-session-count is a string; expected a whole number")]
    [InlineData("\"total-failure-session-count\":2", "\"total-failure-session-count\":-2",
        "policies[0].summary.total-failure-session-count is -2; a session count cannot be negative")]
    [InlineData("\"total-successful-session-count\":10", "\"total-successful-session-count\":99999999999999999999999",
        "policies[0].summary.total-successful-session-count is 99999999999999999999999; expected a whole number")]
    [InlineData("\"total-successful-session-count\":10", "\"total-successful-session-count\":1e400",
        "policies[0].summary.total-successful-session-count is 1e400")]
    [InlineData("\"failed-session-count\":2", "\"failed-session-count\":2.5", "policies[0].failure-details[0].failed-session-count is 2.5")]
    [InlineData("\"failed-session-count\":2", "\"failed-session-count\":null", "policies[0].failure-details[0].failed-session-count is missing")]
    [InlineData("\"policy-type\":\"sts\"", "\"policy-type\":\"dane\"", "policies[0].policy.policy-type is \"dane\"; expected sts, tlsa, no-policy-found")]
    [InlineData("\"sending-mta-ip\":\"192.0.2.1\"", "\"sending-mta-ip\":\"<script>\"", "policies[0].failure-details[0].sending-mta-ip \"<script>\" is not an IP address")]
    [InlineData("\"mx-host\":[\"mx.example.com\"]", "\"mx-host\":[7]", "policies[0].policy.mx-host[0] is a number; expected a string")]
    [InlineData("\"failure-details\":[", "\"failure-details\":\"none\",\"x\":[", "policies[0].failure-details is a string; expected an array")]
    [InlineData("\"end-datetime\":\"2023-11-15T23:59:59Z\"", "\"end-datetime\":\"2023-11-14T00:00:00Z\"", "date-range.end-datetime is before start-datetime")]
    [InlineData("\"start-datetime\":\"2023-11-15T00:00:00Z\"", "\"start-datetime\":\"yesterday\"", "date-range.start-datetime \"yesterday\" is not an RFC 3339 date-time")]
    public void Field_missing_of_the_wrong_type_or_out_of_range_is_refused_naming_the_field(string find, string replace, string expected)
    {
        var json = Minimal().Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Minimal(), json);

        var error = Refused(json);

        Assert.Equal(RejectionReason.InvalidReportField, error.Reason);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_domain_that_is_not_a_domain_is_refused()
    {
        var error = Refused(Minimal().Replace("\"policy-domain\":\"example.com\"", "\"policy-domain\":\"http://evil/\"", StringComparison.Ordinal));

        Assert.Equal(RejectionReason.InvalidPolicyDomain, error.Reason);
        Assert.Contains("policies[0].policy.policy-domain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_before_a_document_is_built()
    {
        var json = "{\"organization-name\":\"x\",\"ext\":" + new string('[', 100_000) + new string(']', 100_000) + "}";

        var error = Refused(json);

        Assert.Equal(RejectionReason.NestingTooDeep, error.Reason);
        Assert.Contains("more than 16 deep", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"organization-name\":\"x\",", RejectionReason.Truncated)]
    [InlineData("{organization-name: x}", RejectionReason.MalformedJson)]
    [InlineData("{\"organization-name\":\"a\",\"organization-name\":\"b\",\"policies\":[]}", RejectionReason.MalformedJson)]
    [InlineData("{\"hello\":\"world\"}", RejectionReason.NotAReport)]
    [InlineData("  \r\n ", RejectionReason.EmptyInput)]
    public void Input_that_is_not_a_json_report_is_refused(string json, RejectionReason reason) =>
        Assert.Equal(reason, Refused(json).Reason);

    [Fact]
    public void Not_json_at_all_is_refused_by_the_extractor()
    {
        var error = Assert.Throws<ReportRejectedException>(
            () => new ReportExtractor(ExtractionLimits.Default).ExtractContent(new MemoryStream("TLS report attached.\r\n"u8.ToArray()), "x.json"));

        Assert.Equal(RejectionReason.NotAReport, error.Reason);
    }

    [Fact]
    public void Gzip_bomb_shaped_as_a_tls_report_is_refused_before_inflating_past_the_ratio()
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write("{\"organization-name\":\""u8);
            var spaces = new byte[1024 * 1024];
            Array.Fill(spaces, (byte)' ');
            for (var i = 0; i < 64; i++)
            {
                gzip.Write(spaces);
            }
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ReportRejectedException>(
            () => new ReportExtractor(ExtractionLimits.Default).ExtractContent(new MemoryStream(output.ToArray()), "bomb.json.gz"));

        Assert.Equal(RejectionReason.CompressionRatioExceeded, error.Reason);
        Assert.StartsWith("bomb.json.gz:", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16_000_000, "inflation went on past the ratio limit");
    }

    [Fact]
    public void Report_over_the_input_cap_is_refused_unread()
    {
        var extractor = new ReportExtractor(new ExtractionLimits { MaxInputBytes = 200 });

        var error = Assert.Throws<ReportRejectedException>(() => extractor.ExtractContent(new MemoryStream(Samples.Read(Microsoft))));

        Assert.Equal(RejectionReason.InputTooLarge, error.Reason);
    }

    [Fact]
    public void Field_longer_than_its_bound_is_refused()
    {
        var error = Refused(Minimal().Replace("\"r-1\"", $"\"{new string('a', 5000)}\"", StringComparison.Ordinal));

        Assert.Equal(RejectionReason.InvalidReportField, error.Reason);
        Assert.Contains("report-id is 5,000 characters long", error.Message, StringComparison.Ordinal);
    }

    private static ReportRejectedException Refused(string json) =>
        Assert.Throws<ReportRejectedException>(() => TlsReportParser.Parse(Encoding.UTF8.GetBytes(json)));

    private static string Minimal() =>
        "{\"organization-name\":\"Reporter\",\"date-range\":{\"start-datetime\":\"2023-11-15T00:00:00Z\",\"end-datetime\":\"2023-11-15T23:59:59Z\"},"
        + "\"contact-info\":\"tls@reporter.example\",\"report-id\":\"r-1\",\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
        + "\"policy-string\":[\"version: STSv1\"],\"policy-domain\":\"example.com\",\"mx-host\":[\"mx.example.com\"]},"
        + "\"summary\":{\"total-successful-session-count\":10,\"total-failure-session-count\":2},"
        + "\"failure-details\":[{\"result-type\":\"starttls-not-supported\",\"sending-mta-ip\":\"192.0.2.1\",\"failed-session-count\":2}]}]}";
}
