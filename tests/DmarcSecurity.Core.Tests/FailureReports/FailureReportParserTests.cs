using System.Text;
using DmarcSecurity.Core.FailureReports;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.FailureReports;

public sealed class FailureReportParserTests
{
    private const string HeadersOnly = "failure-dmarc-rfc822-headers.eml";
    private const string FullMessage = "failure-dmarc-full-message.eml";

    private readonly ReportExtractor _extractor = new(ExtractionLimits.Default);

    private ExtractedContent Extract(byte[] input, string label = "ruf.eml") => _extractor.ExtractContent(new MemoryStream(input), label);

    private ReportRejectedException Rejected(byte[] input, ReportExtractor? extractor = null) =>
        Assert.Throws<ReportRejectedException>(() => (extractor ?? _extractor).ExtractContent(new MemoryStream(input), "ruf.eml"));

    private static string Text(string sample) => Encoding.UTF8.GetString(Samples.Read(sample).ToArray());

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Report_with_rfc822_headers_is_read_with_every_dmarc_field()
    {
        var content = Extract(Samples.Read(HeadersOnly).ToArray());

        Assert.Empty(content.Reports);
        Assert.Empty(content.TlsReports);
        var extracted = Assert.Single(content.FailureReports);
        Assert.Equal("ruf.eml", extracted.Origin);
        var r = extracted.Report;
        Assert.Equal("dmarc-noreply@receiver.example", r.Reporter);
        Assert.Equal("auth-failure", r.FeedbackType);
        Assert.Equal("ReceiverMail-DMARC/2.1", r.UserAgent);
        Assert.Equal("1", r.Version);
        Assert.Equal(new DateTimeOffset(2023, 11, 14, 10, 14, 58, TimeSpan.Zero), r.ArrivalDate);
        Assert.Equal("203.0.113.77", r.SourceIp);
        Assert.Equal("example.com", r.ReportedDomain);
        Assert.Equal("<ceo@example.com>", r.OriginalMailFrom);
        Assert.Equal(["<accounts@victim.example>", "<payroll@victim.example>"], r.OriginalRcptTo);
        Assert.Equal(
            "mx.receiver.example; dmarc=fail (p=reject sp=reject  pct=100) header.from=example.com; dkim=fail (bad signature)  header.d=example.com header.s=sel2023; spf=fail smtp.mailfrom=example.com",
            r.AuthenticationResults);
        Assert.Equal(["dmarc", "dkim"], r.AuthFailures);
        Assert.Equal(("example.com", "@example.com", "sel2023"), (r.DkimDomain, r.DkimIdentity, r.DkimSelector));
        Assert.Equal("txt : example.com : \"v=spf1 include:_spf.example.com -all\"", r.SpfDns);
        Assert.Equal("reject", r.DeliveryResult);
        Assert.Equal("dkim, spf", r.IdentityAlignment);
        Assert.Equal(["mailto:ruf@example.com"], r.ReportedUris);
        Assert.Equal("\"Chief Executive\" <ceo@example.com>", r.OriginalFrom);
        Assert.Equal("accounts@victim.example", r.OriginalTo);
        Assert.Equal("Urgent wire transfer", r.OriginalSubject);
        Assert.Equal("Tue, 14 Nov 2023 10:14:51 +0000", r.OriginalDate);
        Assert.Equal("CAF=spoof-4471@spoofer.invalid", r.OriginalMessageId);
        Assert.StartsWith("Received: from spoofer.invalid (unknown [203.0.113.77])\r\n", r.OriginalHeaders);
        Assert.Contains("Subject: Urgent wire transfer\r\n", r.OriginalHeaders);
        Assert.Contains("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel2023;", r.OriginalHeaders);
        Assert.Null(r.OriginalBody);
    }

    [Fact]
    public void Report_with_the_whole_message_keeps_its_body_apart_from_its_headers()
    {
        var r = Assert.Single(Extract(Samples.Read(FullMessage).ToArray()).FailureReports).Report;

        Assert.Equal("postmaster@mail.receiver2.example", r.Reporter);
        Assert.Equal("2001:db8::25", r.SourceIp);
        Assert.Equal(new DateTimeOffset(2023, 11, 15, 6, 59, 40, TimeSpan.Zero), r.ArrivalDate);
        Assert.Equal(TimeSpan.Zero, r.ArrivalDate!.Value.Offset);
        Assert.Equal(["dmarc"], r.AuthFailures);
        Assert.Equal("delivered", r.DeliveryResult);
        Assert.Null(r.DkimDomain);
        Assert.Equal("Alice <alice@example.org>", r.OriginalFrom);
        Assert.Equal("minutes-42@example.org", r.OriginalMessageId);
        Assert.Equal("Minutes of the meeting", r.OriginalSubject);
        Assert.EndsWith("Content-Type: text/plain; charset=utf-8\r\n", r.OriginalHeaders);
        Assert.DoesNotContain("Budget approved", r.OriginalHeaders);
        Assert.Equal("Hello all, the minutes are below.\r\nBudget approved.\r\n", r.OriginalBody);
    }

    [Fact]
    public void Reporter_is_the_user_agent_when_the_report_has_no_from()
    {
        var text = Text(HeadersOnly).Replace("From: DMARC Failure Reports <dmarc-noreply@receiver.example>\r\n", "");

        var r = Assert.Single(Extract(Bytes(text)).FailureReports).Report;

        Assert.Equal("ReceiverMail-DMARC/2.1", r.Reporter);
    }

    [Fact]
    public void Failure_report_in_a_zip_is_found_and_named_by_its_entry()
    {
        var zip = Archives.Zip(("ruf/report.eml", Samples.Read(HeadersOnly).ToArray()));

        var extracted = Assert.Single(Extract(zip, "ruf.zip").FailureReports);

        Assert.Equal("ruf.zip!/ruf/report.eml", extracted.Origin);
        Assert.Equal("203.0.113.77", extracted.Report.SourceIp);
    }

    [Fact]
    public void Aggregate_only_extract_refuses_a_failure_report_naming_what_it_is()
    {
        var error = Assert.Throws<ReportRejectedException>(() => _extractor.Extract(new MemoryStream(Samples.Read(HeadersOnly).ToArray()), "ruf.eml"));

        Assert.Equal(RejectionReason.NoReportFound, error.Reason);
        Assert.Equal("ruf.eml: only DMARC failure reports were found; no aggregate report.", error.Message);
    }

    [Fact]
    public void Report_without_a_feedback_part_is_refused_as_not_a_report()
    {
        var text = Text(HeadersOnly);
        var start = text.IndexOf("--=_ruf_boundary_8842\r\nContent-Type: message/feedback-report", StringComparison.Ordinal);
        var end = text.IndexOf("--=_ruf_boundary_8842\r\nContent-Type: text/rfc822-headers", StringComparison.Ordinal);

        var error = Rejected(Bytes(text.Remove(start, end - start)));

        Assert.Equal(RejectionReason.NotAReport, error.Reason);
        Assert.Equal(
            "ruf.eml: The multipart/report (report-type=feedback-report) has no message/feedback-report part; it is not a failure report.",
            error.Message);
    }

    [Theory]
    [InlineData("Source-IP: 203.0.113.77", "Source-IP: 203.0.113.777", "The failure report's Source-IP \"203.0.113.777\" is not an IP address.")]
    [InlineData("Source-IP: 203.0.113.77", "Source-IP: <script>alert(1)</script>", "The failure report's Source-IP \"<script>alert(1)</script>\" is not an IP address.")]
    [InlineData("Source-IP: 203.0.113.77\r\n", "", "The failure report's Source-IP is missing.")]
    [InlineData("Feedback-Type: auth-failure", "Feedback-Type: abuse", "The failure report's Feedback-Type is \"abuse\"; a DMARC failure report is \"auth-failure\".")]
    [InlineData("Feedback-Type: auth-failure\r\n", "", "The failure report's Feedback-Type is missing.")]
    [InlineData("Auth-Failure: dmarc\r\nAuth-Failure: dkim\r\n", "", "The failure report's Auth-Failure is missing; an authentication failure report names what failed (dmarc, dkim, spf, ...).")]
    [InlineData("Arrival-Date: Tue, 14 Nov 2023 10:14:58 +0000", "Arrival-Date: yesterday-ish", "The failure report's Arrival-Date \"yesterday-ish\" is not a date (RFC 5322).")]
    [InlineData("Reported-Domain: Example.COM", "Reported-Domain: http://evil/", "The failure report's Reported-Domain \"http://evil/\" is not a domain name.")]
    public void Malformed_feedback_fields_are_refused_naming_the_field(string field, string replacement, string message)
    {
        var error = Rejected(Bytes(Text(HeadersOnly).Replace(field, replacement, StringComparison.Ordinal)));

        Assert.Equal(RejectionReason.InvalidReportField, error.Reason);
        Assert.Equal($"ruf.eml: {message}", error.Message);
    }

    [Fact]
    public void Report_without_the_original_message_is_refused()
    {
        var text = Text(HeadersOnly);
        var start = text.IndexOf("--=_ruf_boundary_8842\r\nContent-Type: text/rfc822-headers", StringComparison.Ordinal);
        var end = text.IndexOf("--=_ruf_boundary_8842--", StringComparison.Ordinal);

        var error = Rejected(Bytes(text.Remove(start, end - start)));

        Assert.Equal(RejectionReason.InvalidReportField, error.Reason);
        Assert.Equal("ruf.eml: The failure report's original message is missing: the report has neither a message/rfc822 nor a text/rfc822-headers part.", error.Message);
    }

    [Fact]
    public void Garbage_in_the_feedback_part_is_refused_not_thrown()
    {
        var text = Text(HeadersOnly);
        var start = text.IndexOf("Feedback-Type:", StringComparison.Ordinal);
        var end = text.IndexOf("--=_ruf_boundary_8842\r\nContent-Type: text/rfc822-headers", StringComparison.Ordinal);
        var garbage = "\u0001\u0002 not fields at all \u00ff\u00fe\r\n%%%%\r\n\r\n";

        var error = Rejected(Bytes(text.Remove(start, end - start).Insert(start, garbage)));

        Assert.Equal(RejectionReason.InvalidReportField, error.Reason);
        Assert.Equal("ruf.eml: The failure report's message/feedback-report cannot be read (Failed to parse headers.).", error.Message);
    }

    [Fact]
    public void Overlong_field_is_refused_with_its_length()
    {
        var text = Text(HeadersOnly).Replace("DKIM-Selector: sel2023", "DKIM-Selector: " + new string('s', 9000), StringComparison.Ordinal);

        var error = Rejected(Bytes(text));

        Assert.Equal(RejectionReason.InvalidReportField, error.Reason);
        Assert.Equal("ruf.eml: The failure report's DKIM-Selector is 9,000 characters long; at most 8,192 are accepted.", error.Message);
    }

    [Fact]
    public void Oversized_report_is_refused_unread()
    {
        var extractor = new ReportExtractor(new ExtractionLimits { MaxInputBytes = 2048 });

        var error = Rejected(Samples.Read(HeadersOnly).ToArray(), extractor);

        Assert.Equal(RejectionReason.InputTooLarge, error.Reason);
        Assert.Equal("ruf.eml: the input is larger than the 2,048-byte limit and was not read.", error.Message);
    }

    [Fact]
    public void Failure_report_nested_in_archives_past_the_limit_is_refused()
    {
        var nested = Archives.Zip(("a.zip", Archives.Zip(("b.gz", Archives.Gzip(Samples.Read(HeadersOnly).ToArray())))));

        var error = Rejected(nested);

        Assert.Equal(RejectionReason.NestingTooDeep, error.Reason);
        Assert.Contains("archives are nested more than 2 deep", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gzip_bomb_carrying_a_failure_report_is_refused_by_the_inflation_budget()
    {
        var extractor = new ReportExtractor(new ExtractionLimits { MaxDecompressedBytes = 1_000_000 });
        var padded = Text(HeadersOnly).Replace("Urgent wire transfer", "Urgent wire transfer" + new string(' ', 50_000_000), StringComparison.Ordinal);

        var error = Rejected(Archives.Gzip(Bytes(padded)), extractor);

        Assert.True(error.Reason is RejectionReason.DecompressedSizeExceeded or RejectionReason.CompressionRatioExceeded, error.Reason.ToString());
        Assert.StartsWith("ruf.eml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_original_headers_are_refused()
    {
        var text = Text(HeadersOnly).Replace("Subject: Urgent wire transfer\r\n", string.Concat(Enumerable.Repeat("X-Filler: " + new string('f', 990) + "\r\n", 300)), StringComparison.Ordinal);

        var error = Rejected(Bytes(text));

        Assert.Equal(RejectionReason.InvalidReportField, error.Reason);
        Assert.Matches(@"^ruf\.eml: The failure report's original message has [\d,]+ bytes of headers, over the 262,144-byte limit\.$", error.Message);
    }
}
