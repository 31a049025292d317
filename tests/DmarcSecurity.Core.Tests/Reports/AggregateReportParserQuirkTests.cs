using System.Net;
using DmarcSecurity.Core.Reports;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.Reports;

/// <summary>What real reporters get wrong, and how each mistake is absorbed without losing the report.</summary>
public sealed class AggregateReportParserQuirkTests
{
    private static readonly DateTimeOffset s_nov15 = new(2023, 11, 15, 0, 0, 0, TimeSpan.Zero);

    private static AggregateReport Parse(string sample) => AggregateReportParser.Parse(Samples.Read(sample));

    [Fact]
    public void Result_words_in_any_case_are_lower_cased_and_count_as_standard()
    {
        var record = Assert.Single(Parse("quirk-result-case.xml").Records);

        Assert.Equal(("none", "pass", "fail"), (record.Disposition, record.DkimPolicyResult, record.SpfPolicyResult));
        Assert.Equal("pass", Assert.Single(record.Dkim).Result);
        Assert.Equal(new SpfAuthResult("example.com", "mfrom", "softfail"), Assert.Single(record.Spf));
        Assert.False(record.HasNonStandardValues);
    }

    [Fact]
    public void Absent_alignment_modes_default_to_relaxed_and_absent_sp_to_p()
    {
        var policy = Parse("quirk-defaults-absent.xml").Policy;

        Assert.Equal(("r", "r"), (policy.Adkim, policy.Aspf));
        Assert.Equal("quarantine", policy.P);
        Assert.Equal("quarantine", policy.Sp);
        Assert.Null(policy.Pct);
    }

    [Fact]
    public void Several_policy_published_blocks_keep_the_first_and_name_the_others_in_a_warning()
    {
        var report = Parse("quirk-several-policy-published.xml");

        Assert.Equal(("example.com", "quarantine", "none", 50, "s"), (report.Policy.Domain, report.Policy.P, report.Policy.Sp, report.Policy.Pct, report.Policy.Adkim));
        Assert.Equal(3, Assert.Single(report.Records).Count);
        Assert.Equal(
            "another policy_published (domain mail.example.com, p=reject, sp=reject) after the first was ignored; the report is read under the first (domain example.com, p=quarantine)",
            Assert.Single(report.Warnings));
    }

    [Theory]
    [InlineData("mailing_list", "mailing_list")]
    [InlineData(" Forwarded ", "forwarded")]
    [InlineData("trusted_forwarder", "trusted_forwarder")]
    [InlineData("local_policy", null)]
    [InlineData("sampled_out", null)]
    public void A_record_is_forwarded_when_the_receiver_names_a_forwarder_as_the_override_reason(string type, string? forwarding)
    {
        var record = Assert.Single(Parse("quirk-defaults-absent.xml").Records) with { Reasons = [new PolicyOverrideReason("local_policy", null), new PolicyOverrideReason(type, "x")] };

        Assert.Equal(forwarding, record.Forwarding);
    }

    [Fact]
    public void Stray_unclosed_xs_schema_tag_is_ignored()
    {
        var report = Parse("quirk-xs-schema.xml");

        Assert.Equal("ikea.com", report.OrgName);
        Assert.Equal("2018_10_05_5bb7e9b4f3e8a", report.ReportId);
        Assert.Equal("example.de", report.Policy.Domain);
        Assert.Equal(IPAddress.Parse("193.0.2.44"), Assert.Single(report.Records).SourceIp);
    }

    [Fact]
    public void Declaration_glued_to_the_root_element_on_one_line_is_read()
    {
        var report = Parse("quirk-declaration-glued.xml");

        Assert.Equal("q-glued", report.ReportId);
        Assert.Equal(3, Assert.Single(report.Records).Count);
    }

    [Fact]
    public void Bom_and_blank_lines_before_the_declaration_are_tolerated()
    {
        var report = Parse("quirk-leading-whitespace-bom.xml");

        Assert.Equal("q-bom", report.ReportId);
        Assert.Single(report.Records);
    }

    [Fact]
    public void Invalid_utf8_bytes_become_replacement_characters_with_a_warning()
    {
        var report = Parse("quirk-invalid-utf8.xml");

        Assert.Equal("Ex\uFFFDmple Mail \uFFFDRelay\uFFFD", report.OrgName);
        Assert.Single(report.Records);
        Assert.Contains(report.Warnings, w => w.StartsWith("3 invalid characters", StringComparison.Ordinal));
    }

    [Fact]
    public void Control_characters_in_text_are_replaced_instead_of_failing_the_report()
    {
        var record = Assert.Single(Parse("quirk-control-chars.xml").Records);

        Assert.Equal(new PolicyOverrideReason("local_policy", "held\uFFFD by\uFFFD filter"), Assert.Single(record.Reasons));
    }

    [Fact]
    public void Declared_latin1_encoding_is_honoured()
    {
        Assert.Equal("Télécom Exemple", Parse("quirk-latin1-encoding.xml").OrgName);
    }

    [Fact]
    public void Declared_windows_1252_encoding_is_honoured()
    {
        var report = Parse("quirk-windows-1252-encoding.xml");

        Assert.Equal("Café Mail\u2019s Relay", report.OrgName);
        Assert.Equal(ReportFormat.Draft, report.Format);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void Empty_reason_is_dropped_and_a_reason_with_only_a_comment_is_kept_as_other()
    {
        var records = Parse("quirk-empty-reason-type.xml").Records;

        Assert.Empty(records[0].Reasons);
        Assert.Equal(new PolicyOverrideReason("other", "arc=pass as.1.google.com=pass"), Assert.Single(records[1].Reasons));
    }

    [Fact]
    public void Identities_element_is_read_as_identifiers()
    {
        var record = Assert.Single(Parse("quirk-identities.xml").Records);

        Assert.Equal("example.com", record.HeaderFrom);
        Assert.Equal("bounce.example.com", record.EnvelopeFrom);
    }

    [Fact]
    public void Record_without_auth_results_is_kept_with_none()
    {
        var record = Assert.Single(Parse("quirk-no-auth-results.xml").Records);

        Assert.Equal(5, record.Count);
        Assert.Empty(record.Dkim);
        Assert.Empty(record.Spf);
    }

    [Fact]
    public void Epoch_times_with_decimals_are_truncated_to_whole_seconds()
    {
        var report = Parse("quirk-decimal-epoch.xml");

        Assert.Equal(s_nov15, report.Begin);
        Assert.Equal(s_nov15.AddDays(1).AddSeconds(-1), report.End);
    }

    [Fact]
    public void Report_whose_begin_equals_end_is_accepted()
    {
        var report = Parse("quirk-begin-equals-end.xml");

        Assert.Equal(s_nov15, report.Begin);
        Assert.Equal(report.Begin, report.End);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void Empty_org_name_falls_back_to_the_domain_of_the_reporter_email()
    {
        var report = Parse("quirk-empty-org-name.xml");

        Assert.Equal("reports.example.net", report.OrgName);
        Assert.Contains(report.Warnings, w => w.Contains("org_name", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_id_wrapped_in_angle_brackets_is_unwrapped()
    {
        Assert.Equal("20231115.a1b2c3@mx.example.org", Parse("quirk-bracketed-report-id.xml").ReportId);
    }

    [Fact]
    public void Non_standard_result_is_kept_as_is_and_flagged_with_a_warning()
    {
        var report = Parse("quirk-hardfail.xml");

        Assert.Equal(2, report.Records.Count);
        Assert.Equal("hardfail", Assert.Single(report.Records[0].Spf).Result);
        Assert.True(report.Records[0].HasNonStandardValues);
        Assert.False(report.Records[1].HasNonStandardValues);
        Assert.Contains(report.Warnings, w => w.Contains("'hardfail'", StringComparison.Ordinal));
    }

    [Fact]
    public void Unreadable_records_are_skipped_and_counted_and_the_rest_is_kept()
    {
        var report = Parse("quirk-bad-records.xml");

        Assert.Equal(2, report.SkippedRecords);
        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::4")], report.Records.Select(r => r.SourceIp));
        Assert.Equal([10L, 4L], report.Records.Select(r => r.Count));
        Assert.Contains(report.Warnings, w => w.Contains("record 2", StringComparison.Ordinal) && w.Contains("mail.example.net", StringComparison.Ordinal));
        Assert.Contains(report.Warnings, w => w.Contains("record 3", StringComparison.Ordinal) && w.Contains("twelve", StringComparison.Ordinal));
    }

    [Fact]
    public void Padding_after_the_root_element_is_ignored()
    {
        Assert.Equal("q-padding", Parse("quirk-trailing-nul-padding.xml").ReportId);
    }

    [Fact]
    public void Legacy_shorthand_ip_address_is_not_taken_for_a_real_one()
    {
        var xml = Samples.Read("quirk-result-case.xml").AsSpan().ToArray();
        var text = System.Text.Encoding.UTF8.GetString(xml).Replace("<source_ip>192.0.2.1</source_ip>", "<source_ip>10.1</source_ip>", StringComparison.Ordinal);

        var report = AggregateReportParser.Parse(System.Text.Encoding.UTF8.GetBytes(text));

        Assert.Empty(report.Records);
        Assert.Equal(1, report.SkippedRecords);
    }
}
