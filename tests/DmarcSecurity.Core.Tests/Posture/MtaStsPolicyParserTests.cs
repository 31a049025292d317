using DmarcSecurity.Core.Posture;

namespace DmarcSecurity.Core.Tests.Posture;

public sealed class MtaStsPolicyParserTests
{
    private static IEnumerable<string> Codes(MtaStsPolicy policy, FindingSeverity severity) =>
        policy.Findings.Where(f => f.Severity == severity).Select(f => f.Code);

    [Fact]
    public void An_enforcing_policy_is_read_with_its_patterns_and_only_ok_findings()
    {
        var policy = MtaStsPolicyParser.Parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.Backup.Example.com\r\nmax_age: 1209600\r\n");

        Assert.Equal(("STSv1", "enforce", (long?)1_209_600), (policy.Version, policy.Mode, policy.MaxAge));
        Assert.Equal(["mail.example.com", "*.backup.example.com"], policy.Mx);
        Assert.Equal(["mta-sts.policy-mode"], policy.Findings.Select(f => f.Code));
        Assert.Equal(FindingSeverity.Ok, PostureFinding.Worst(policy.Findings));
    }

    [Fact]
    public void Bare_LF_lines_are_accepted_with_a_note_and_keys_ignore_case()
    {
        var policy = MtaStsPolicyParser.Parse("VERSION: stsv1\nMode:  Testing \nmx: mail.example.com\nmax_age:86400");

        Assert.Equal(("STSv1", "testing", (long?)86_400), (policy.Version, policy.Mode, policy.MaxAge));
        Assert.Contains("mta-sts.policy-lf", Codes(policy, FindingSeverity.Ok));
        Assert.Equal(["mta-sts.policy-testing"], Codes(policy, FindingSeverity.Warning));
        Assert.Empty(Codes(policy, FindingSeverity.Error));
    }

    [Fact]
    public void Mode_none_needs_no_mx_and_is_warned()
    {
        var policy = MtaStsPolicyParser.Parse("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");

        Assert.Empty(policy.Mx);
        Assert.Equal(["mta-sts.policy-none"], Codes(policy, FindingSeverity.Warning));
        Assert.Empty(Codes(policy, FindingSeverity.Error));
    }

    [Fact]
    public void A_max_age_under_a_day_is_warned()
    {
        var policy = MtaStsPolicyParser.Parse("version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 3600\r\n");

        Assert.Equal(3600, policy.MaxAge);
        Assert.Equal(["mta-sts.policy-max-age-short"], Codes(policy, FindingSeverity.Warning));
    }

    [Theory]
    [InlineData("version: STSv1\r\nmode: block\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-mode", "'block'")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmx: a.example.com\r\nmax_age: 31557601\r\n", "mta-sts.policy-max-age", "'31557601'")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmx: a.example.com\r\nmax_age: -5\r\n", "mta-sts.policy-max-age", "'-5'")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmx: a.example.com\r\nmax_age: 99999999999999999999\r\n", "mta-sts.policy-max-age", "from 0 to 31557600")]
    [InlineData("version: STSv2\r\nmode: enforce\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-version", "'STSv2'")]
    [InlineData("mode: enforce\r\nversion: STSv1\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-version", "first line")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmx: *.*.example.com\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-mx", "'*.*.example.com'")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmx: mail_1.example.com\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-mx", "'mail_1.example.com'")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n", "mta-sts.policy-mx", "no mx")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmx: a.example.com\r\n", "mta-sts.policy-max-age", "no max_age")]
    [InlineData("version: STSv1\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-mode", "no mode")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-duplicate", "mode appears more than once")]
    [InlineData("version: STSv1\r\nmode: enforce\r\nmx a.example.com\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-syntax", "Line 3")]
    [InlineData("version: STSv1\r\n\r\nmode: enforce\r\nmx: a.example.com\r\nmax_age: 86400\r\n", "mta-sts.policy-syntax", "Line 2 is empty")]
    [InlineData("<html><body>Not found</body></html>", "mta-sts.policy-syntax", "not a key: value pair")]
    [InlineData("", "mta-sts.policy-empty", "empty")]
    public void Invalid_values_and_missing_or_repeated_keys_are_errors_that_say_which(string text, string code, string message)
    {
        var policy = MtaStsPolicyParser.Parse(text);

        Assert.Contains(policy.Findings, f => f.Severity == FindingSeverity.Error && f.Code == code && f.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_keys_are_ignored_and_named_and_a_repeated_mx_is_warned()
    {
        var policy = MtaStsPolicyParser.Parse("version: STSv1\r\nmode: enforce\r\nmx: a.example.com\r\nmx: A.example.com\r\nmaxage: 5\r\nmax_age: 86400\r\n");

        Assert.Equal(["a.example.com"], policy.Mx);
        Assert.Contains(policy.Findings, f => f.Code == "mta-sts.policy-extension" && f.Message.Contains("maxage", StringComparison.Ordinal));
        Assert.Equal(["mta-sts.policy-mx-duplicate"], Codes(policy, FindingSeverity.Warning));
        Assert.Empty(Codes(policy, FindingSeverity.Error));
    }

    [Fact]
    public void Binary_content_is_one_error()
    {
        var policy = MtaStsPolicyParser.Parse("version: STSv1\r\n\0\u0001\u0002\u00ff mode: enforce");

        Assert.Equal("mta-sts.policy-binary", Assert.Single(policy.Findings).Code);
        Assert.Null(policy.Mode);
    }

    [Fact]
    public void A_huge_line_is_refused_unread_and_many_lines_are_cut_off_with_counted_findings()
    {
        var huge = MtaStsPolicyParser.Parse("version: STSv1\r\nmode: enforce\r\nmx: " + new string('a', 60_000) + ".example.com\r\nmax_age: 86400\r\n");
        var many = MtaStsPolicyParser.Parse("version: STSv1\r\n" + string.Concat(Enumerable.Repeat("garbage\r\n", 50_000)));

        Assert.Contains(huge.Findings, f => f.Code == "mta-sts.policy-syntax" && f.Message.Contains("60,016 characters", StringComparison.Ordinal));
        Assert.True(many.Findings.Count < 20, $"{many.Findings.Count} findings");
        Assert.Contains(many.Findings, f => f.Message.Contains("50,001 lines; only the first 1,000", StringComparison.Ordinal));
        Assert.Contains(many.Findings, f => f.Message.Contains("more problems", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mail.example.com", "mail.example.com", true)]
    [InlineData("mail.example.com", "MAIL.example.com.", true)]
    [InlineData("*.example.com", "mx1.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "a.b.example.com", false)]
    [InlineData("mail.example.com", "mail.example.org", false)]
    public void A_wildcard_matches_exactly_one_leftmost_label(string pattern, string host, bool matches)
    {
        Assert.Equal(matches, MtaStsPolicyParser.Matches(pattern, host));
    }

    [Fact]
    public void Unmatched_names_the_hosts_no_pattern_covers()
    {
        var policy = MtaStsPolicyParser.Parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.backup.example.com\r\nmax_age: 86400\r\n");

        Assert.Equal(["other.example.net", "a.b.backup.example.com"],
            policy.Unmatched(["mail.example.com", "other.example.net", "mx2.backup.example.com", "a.b.backup.example.com"]));
    }
}
