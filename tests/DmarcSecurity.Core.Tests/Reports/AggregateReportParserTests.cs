using System.Net;
using DmarcSecurity.Core.Reports;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.Reports;

public sealed class AggregateReportParserTests
{
    private static readonly DateTimeOffset s_nov15 = new(2023, 11, 15, 0, 0, 0, TimeSpan.Zero);

    private static AggregateReport Parse(string sample) => AggregateReportParser.Parse(Samples.Read(sample));

    [Fact]
    public void Google_report_is_read_with_metadata_policy_and_every_record()
    {
        var report = Parse("google.com!example.com!1700006400!1700092799.xml");

        Assert.Equal(ReportFormat.Rfc7489, report.Format);
        Assert.Equal("1.0", report.Version);
        Assert.Equal("google.com", report.OrgName);
        Assert.Equal("noreply-dmarc-support@google.com", report.ReporterEmail);
        Assert.Equal("https://support.google.com/a/answer/2466580", report.ExtraContactInfo);
        Assert.Equal("4917056829203411432", report.ReportId);
        Assert.Equal(s_nov15, report.Begin);
        Assert.Equal(s_nov15.AddDays(1).AddSeconds(-1), report.End);
        Assert.Equal(new PolicyPublished { Domain = "example.com", P = "quarantine", Sp = "quarantine", Np = "quarantine", Pct = 100 }, report.Policy);
        Assert.Equal(3, report.Records.Count);
        Assert.Equal(0, report.SkippedRecords);
        Assert.Empty(report.Warnings);

        var first = report.Records[0];
        Assert.Equal(IPAddress.Parse("209.85.220.41"), first.SourceIp);
        Assert.Equal(128, first.Count);
        Assert.Equal(("none", "pass", "pass"), (first.Disposition, first.DkimPolicyResult, first.SpfPolicyResult));
        Assert.Equal("example.com", first.HeaderFrom);
        Assert.Null(first.EnvelopeFrom);
        Assert.Equal([new DkimAuthResult("example.com", "google", "pass", null)], first.Dkim);
        Assert.Equal([new SpfAuthResult("example.com", null, "pass")], first.Spf);

        var forwarded = report.Records[1];
        Assert.Equal(IPAddress.Parse("2a00:1450:4864:20::52a"), forwarded.SourceIp);
        Assert.Equal(["example.com", "lists.example.org"], forwarded.Dkim.Select(d => d.Domain));

        var spoof = report.Records[2];
        Assert.Equal(("quarantine", "fail", "fail"), (spoof.Disposition, spoof.DkimPolicyResult, spoof.SpfPolicyResult));
        Assert.Empty(spoof.Dkim);
        Assert.Equal("softfail", Assert.Single(spoof.Spf).Result);
    }

    [Fact]
    public void Outlook_report_keeps_envelope_to_fo_and_spf_scope()
    {
        var report = Parse("enterprise.protection.outlook.com!example.com!1700006400!1700092800.xml");

        Assert.Equal("Enterprise Outlook", report.OrgName);
        Assert.Equal("c6f1d0a5c2b54b0e9f3b8e1a7d2c4f60", report.ReportId);
        Assert.Equal(s_nov15.AddDays(1), report.End);
        Assert.Equal("0", report.Policy.Fo);
        Assert.Equal("reject", report.Policy.P);
        Assert.Equal(["contoso.com", "fabrikam.com", "contoso.com"], report.Records.Select(r => r.EnvelopeTo));
        Assert.Equal("bounces.example.net", report.Records[1].EnvelopeFrom);

        var rejected = report.Records[2];
        Assert.Equal("reject", rejected.Disposition);
        Assert.Equal(9, rejected.Count);
        Assert.Equal(new SpfAuthResult("203-0-113-45.dynamic.example", "helo", "none"), Assert.Single(rejected.Spf));
        Assert.Equal(new DkimAuthResult("example.com", "selector1", "fail", null), Assert.Single(rejected.Dkim));
    }

    [Fact]
    public void Yahoo_report_without_version_is_read_as_the_draft_format()
    {
        var report = Parse("yahoo.com!example.com!1700006400!1700092799.xml");

        Assert.Equal(ReportFormat.Draft, report.Format);
        Assert.Null(report.Version);
        Assert.Equal("Yahoo", report.OrgName);
        Assert.Equal("1700092805.429151", report.ReportId);
        Assert.Equal(42, report.Records.Sum(r => r.Count));
        Assert.Equal(["k1", "k2"], report.Records[0].Dkim.Select(d => d.Selector));
        Assert.Equal(new PolicyOverrideReason("forwarded", null), Assert.Single(report.Records[1].Reasons));
    }

    [Fact]
    public void Mail_ru_report_is_read_with_its_contact_and_rejected_source()
    {
        var report = Parse("mail.ru!example.com!1700006400!1700092800.xml");

        Assert.Equal("Mail.Ru", report.OrgName);
        Assert.Equal("dmarc_support@corp.mail.ru", report.ReporterEmail);
        Assert.Equal("http://help.mail.ru/mail-help", report.ExtraContactInfo);
        Assert.Equal("20987543211700006400", report.ReportId);
        Assert.Equal(("reject", "reject"), (report.Policy.P, report.Policy.Sp));
        Assert.Equal(IPAddress.Parse("5.45.198.11"), report.Records[1].SourceIp);
        Assert.Equal("reject", report.Records[1].Disposition);
    }

    [Fact]
    public void Comcast_style_report_with_many_records_keeps_every_record()
    {
        var report = Parse("comcast.net!example.com!1700006400!1700092799.xml");

        Assert.Equal("comcast.net", report.OrgName);
        Assert.Equal(60, report.Records.Count);
        Assert.Equal(Enumerable.Range(1, 60).Sum(), report.Records.Sum(r => r.Count));
        Assert.Equal(20, report.Records.Count(r => r.SourceIp.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6));
        Assert.Equal(15, report.Records.Count(r => r.Disposition == "quarantine"));
        Assert.Equal("none", report.Policy.Sp);
    }

    [Fact]
    public void Rfc9990_report_reads_np_testing_discovery_method_generator_and_extensions()
    {
        var report = Parse("rfc9990-example.xml");

        Assert.Equal(ReportFormat.Rfc9990, report.Format);
        Assert.Equal("Sample Reporter", report.OrgName);
        Assert.Equal("3v98abbp8ya9n3va8yr8oa3ya", report.ReportId);
        Assert.Equal(new DateTimeOffset(1979, 8, 7, 0, 0, 0, TimeSpan.Zero), report.Begin);
        Assert.Equal("Example DMARC Aggregate Reporter v1.2", report.Generator);
        Assert.Equal(
            new PolicyPublished { Domain = "example.com", P = "quarantine", Sp = "none", Np = "none", Testing = "n", DiscoveryMethod = "treewalk" },
            report.Policy);
        Assert.Null(report.Policy.Pct);
        Assert.Contains("summary", Assert.Single(report.Extensions), StringComparison.Ordinal);

        var passed = report.Records[0];
        Assert.Equal("pass", passed.Disposition);
        Assert.False(passed.HasNonStandardValues);
        Assert.Equal(123, passed.Count);
        Assert.Equal(new DkimAuthResult("example.com", "abc123", "pass", null), Assert.Single(passed.Dkim));

        var testMode = report.Records[1];
        Assert.Equal(IPAddress.Parse("2001:db8::25"), testMode.SourceIp);
        Assert.Equal(new PolicyOverrideReason("policy_test_mode", "t=y in the published record"), Assert.Single(testMode.Reasons));
        Assert.False(testMode.HasNonStandardValues);
    }

    [Fact]
    public void Rfc7489_report_reads_strict_alignment_pct_fo_errors_and_reasons()
    {
        var report = Parse("rfc7489-example.xml");

        Assert.Equal(ReportFormat.Rfc7489, report.Format);
        Assert.Equal("receiver.example:1700006400:example.com", report.ReportId);
        Assert.Equal(["DNS lookup for _dmarc.news.example.com timed out"], report.Errors);
        Assert.Equal(
            new PolicyPublished { Domain = "example.com", Adkim = "s", Aspf = "s", P = "reject", Sp = "quarantine", Pct = 50, Fo = "1" },
            report.Policy);

        var mailingList = report.Records[1];
        Assert.Equal(
            [new PolicyOverrideReason("mailing_list", "list.example.net rewrote the body"), new PolicyOverrideReason("sampled_out", null)],
            mailingList.Reasons);
        Assert.Equal("signature did not verify (body hash mismatch)", Assert.Single(mailingList.Dkim).HumanResult);
        Assert.Equal("helo", Assert.Single(report.Records[2].Spf).Scope);
    }

    [Fact]
    public void Draft_report_in_a_namespace_is_matched_by_local_name()
    {
        var report = Parse("draft-no-version.xml");

        Assert.Equal(ReportFormat.Draft, report.Format);
        Assert.Equal("acme.com", report.OrgName);
        Assert.Equal(new DateTimeOffset(2012, 4, 28, 0, 0, 0, TimeSpan.Zero), report.Begin);
        var record = Assert.Single(report.Records);
        Assert.Equal(IPAddress.Parse("72.150.241.94"), record.SourceIp);
        Assert.Equal(("fail", "pass"), (record.DkimPolicyResult, record.SpfPolicyResult));
        Assert.Equal(new DkimAuthResult("example.com", null, "fail", null), Assert.Single(record.Dkim));
    }
}
