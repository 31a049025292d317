using System.Diagnostics;
using DmarcSecurity.Api.Posture;
using DmarcSecurity.Core.Posture;
using DmarcSecurity.Testing.Enrichment;

namespace DmarcSecurity.Api.Tests.Posture;

/// <summary>Posture checks against the real dnsmasq of <see cref="PostureWorld"/>.</summary>
public sealed class DnsPostureCheckerTests(PostureWorld world) : IClassFixture<PostureWorld>
{
    private static readonly DkimSelector[] GoodSelectors = [new(PostureWorld.Good, "s1"), new(PostureWorld.Good, "k1024"), new(PostureWorld.Good, "old")];

    private static IEnumerable<string> Codes(IEnumerable<PostureFindingDto> findings, FindingSeverity severity) =>
        findings.Where(f => f.Severity == severity).Select(f => f.Code);

    [Fact]
    public async Task A_correct_domain_has_no_warnings_or_errors_in_DMARC_SPF_MTA_STS_and_TLS_RPT()
    {
        var check = await world.Checker().CheckAsync(PostureWorld.Good, [new(PostureWorld.Good, "s1")], default);

        Assert.False(check.Incomplete);
        var notOk = new[] { check.Dmarc.Findings, check.Spf.Findings, check.MtaSts.Findings, check.TlsRpt.Findings, check.Dkim[0].Findings }
            .SelectMany(f => f).Concat(check.Spf.Tree!.Findings).Where(f => f.Severity != FindingSeverity.Ok).ToList();
        Assert.Empty(notOk);
        Assert.Equal(FindingSeverity.Ok, check.Worst);
        Assert.Equal("_dmarc.good.test", check.Dmarc.Name);
        Assert.Equal(("reject", "reject"), (check.Dmarc.P, check.Dmarc.Sp));
        var authorisation = Assert.Single(check.Dmarc.ExternalAuthorisations);
        Assert.Equal(("reports.test", "good.test._report._dmarc.reports.test", true), (authorisation.TargetDomain, authorisation.Name, authorisation.Authorised));
        Assert.Equal("v=spf1 ip4:192.0.2.0/24 include:_spf.good.test mx a -all", check.Spf.Record);
        Assert.Equal((3, 0), (check.Spf.Lookups, check.Spf.VoidLookups));
        var include = Assert.Single(check.Spf.Tree!.Children);
        Assert.Equal(("_spf.good.test", "include:_spf.good.test"), (include.Domain, include.Via));
        Assert.Contains("spf.lookups", Codes(check.Spf.Findings, FindingSeverity.Ok));
        var dkim = Assert.Single(check.Dkim);
        Assert.Equal(("s1._domainkey.good.test", "rsa", (int?)2048, false), (dkim.Name, dkim.KeyType, dkim.KeyBits, dkim.Revoked));
        Assert.Equal("v=STSv1; id=20261207T000000", check.MtaSts.Record);
        var policy = check.MtaSts.Policy!;
        Assert.Equal(("https://mta-sts.good.test/.well-known/mta-sts.txt", PostureWorld.GoodPolicy, "enforce", (long?)604_800),
            (policy.Url, policy.Text, policy.Mode, policy.MaxAge));
        Assert.Equal(["mail.good.test"], policy.Mx);
        Assert.Equal(["mail.good.test"], policy.MxHosts);
        Assert.Empty(policy.UnmatchedMx);
        Assert.Contains("mta-sts.mx-matched", Codes(check.MtaSts.Findings, FindingSeverity.Ok));
        Assert.Equal("v=TLSRPTv1; rua=mailto:tls@good.test", check.TlsRpt.Record);
        // _dmarc, the authorisation, SPF, its include, mx, a, the DKIM key, MTA-STS, the policy host, the MX hosts, TLS-RPT.
        Assert.Equal(11, check.Lookups);
    }

    [Fact]
    public async Task DKIM_keys_are_measured_and_a_revoked_or_missing_key_is_found()
    {
        var check = await world.Checker().CheckAsync(PostureWorld.Good, [.. GoodSelectors, new(PostureWorld.Good, "gone")], default);

        Assert.Equal(
            [("s1", (int?)2048, false, FindingSeverity.Ok), ("k1024", 1024, false, FindingSeverity.Warning), ("old", null, true, FindingSeverity.Warning),
             ("gone", null, false, FindingSeverity.Error)],
            check.Dkim.Select(d => (d.Selector, d.KeyBits, d.Revoked, d.Findings.Max(f => f.Severity))));
        Assert.Equal(["dkim.key", "dkim.key-short", "dkim.revoked", "dkim.missing"], check.Dkim.Select(d => d.Findings.Single().Code));
    }

    [Fact]
    public async Task DMARC_syntax_errors_are_reported_with_their_tags_and_missing_MTA_STS_and_TLS_RPT_are_warned()
    {
        var check = await world.Checker().CheckAsync("baddmarc.test", [], default);

        Assert.Equal(["dmarc.p", "dmarc.pct"], Codes(check.Dmarc.Findings, FindingSeverity.Error));
        Assert.Contains(check.Dmarc.Findings, f => f.Code == "dmarc.unknown-tag" && f.Message.Contains("colour", StringComparison.Ordinal));
        Assert.Contains(check.Dmarc.Findings, f => f.Code == "dmarc.p" && f.Message.Contains("p=block", StringComparison.Ordinal));
        Assert.Equal(["mta-sts.missing"], Codes(check.MtaSts.Findings, FindingSeverity.Warning));
        Assert.Equal(["tls-rpt.missing"], Codes(check.TlsRpt.Findings, FindingSeverity.Warning));
        Assert.Null(check.MtaSts.Record);
        Assert.Equal(FindingSeverity.Error, check.Worst);
    }

    [Fact]
    public async Task A_report_target_in_another_organisation_without_its_authorisation_record_is_an_error()
    {
        var check = await world.Checker().CheckAsync("noauth.test", [], default);

        var authorisation = Assert.Single(check.Dmarc.ExternalAuthorisations);
        Assert.Equal(("elsewhere.test", "noauth.test._report._dmarc.elsewhere.test", false), (authorisation.TargetDomain, authorisation.Name, authorisation.Authorised));
        var error = Assert.Single(check.Dmarc.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal("dmarc.external-unauthorised", error.Code);
        Assert.Contains("noauth.test._report._dmarc.elsewhere.test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_DMARC_records_are_an_error()
    {
        var check = await world.Checker().CheckAsync("two.test", [], default);

        Assert.Contains("dmarc.several", Codes(check.Dmarc.Findings, FindingSeverity.Error));
    }

    [Fact]
    public async Task A_subdomain_without_a_record_falls_back_to_the_organisational_domain_and_says_so()
    {
        var check = await world.Checker().CheckAsync("Mail.Good.Test.", [], default);

        Assert.Equal(("mail.good.test", "_dmarc.good.test", "good.test", "reject"), (check.Domain, check.Dmarc.Name, check.Dmarc.OrganisationalDomain, check.Dmarc.P));
        Assert.Contains(check.Dmarc.Findings, f => f.Code == "dmarc.fallback" && f.Message.Contains("organisational domain good.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_DMARC_record_anywhere_is_an_error()
    {
        var check = await world.Checker().CheckAsync("loop.test", [], default);

        Assert.Equal(["dmarc.missing"], Codes(check.Dmarc.Findings, FindingSeverity.Error));
        Assert.Null(check.Dmarc.Record);
    }

    [Fact]
    public async Task SPF_over_ten_lookups_is_an_error_with_the_count()
    {
        var check = await world.Checker().CheckAsync("many.test", [], default);

        Assert.Equal(11, check.Spf.Lookups);
        Assert.Equal(11, check.Spf.Tree!.Children.Count);
        var error = Assert.Single(check.Spf.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal("spf.too-many-lookups", error.Code);
        Assert.Contains("11 DNS lookups", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SPF_with_more_than_two_void_lookups_is_an_error()
    {
        var check = await world.Checker().CheckAsync("void.test", [], default);

        Assert.Equal((3, 3), (check.Spf.Lookups, check.Spf.VoidLookups));
        Assert.Equal(["spf.too-many-void-lookups"], Codes(check.Spf.Findings, FindingSeverity.Error));
        Assert.Equal(3, check.Spf.Tree!.Findings.Count(f => f.Code == "spf.void"));
    }

    [Fact]
    public async Task An_include_of_a_name_that_does_not_exist_is_void_and_an_include_without_SPF_is_an_error()
    {
        var check = await world.Checker().CheckAsync("gap.test", [], default);

        Assert.Equal((2, 1), (check.Spf.Lookups, check.Spf.VoidLookups));
        Assert.Equal(["spf.include-missing", "spf.include-missing"], check.Spf.Tree!.Children.SelectMany(c => c.Findings).Select(f => f.Code));
        Assert.Contains("spf.void-lookups", Codes(check.Spf.Findings, FindingSeverity.Warning));
    }

    [Fact]
    public async Task A_long_CNAME_chain_is_a_finding_not_an_exception()
    {
        var check = await world.Checker().CheckAsync("chain.test", [], default);

        var finding = Assert.Single(check.Dmarc.Findings);
        Assert.Equal(("dns.failed", FindingSeverity.Error), (finding.Code, finding.Severity));
        Assert.Contains("more than 8 CNAMEs", finding.Message, StringComparison.Ordinal);
        Assert.True(check.Incomplete);
    }

    [Fact]
    public async Task An_SPF_loop_is_found_and_not_followed()
    {
        var check = await world.Checker().CheckAsync("loop.test", [], default);

        var loop2 = Assert.Single(check.Spf.Tree!.Children);
        Assert.Equal("loop2.test", loop2.Domain);
        var back = Assert.Single(loop2.Children);
        Assert.Equal(("loop.test", (string?)null), (back.Domain, back.Record));
        Assert.Contains(loop2.Findings, f => f.Code == "spf.loop" && f.Severity == FindingSeverity.Error);
        Assert.Equal(2, check.Spf.Lookups);
    }

    [Fact]
    public async Task Two_SPF_records_are_an_error()
    {
        var check = await world.Checker().CheckAsync("twospf.test", [], default);

        Assert.Contains(check.Spf.Tree!.Findings, f => f.Code == "spf.several" && f.Severity == FindingSeverity.Error);
        Assert.Equal(FindingSeverity.Error, check.Worst);
    }

    [Fact]
    public async Task A_TXT_record_too_large_for_UDP_is_read_over_TCP_and_its_garbage_reported()
    {
        var check = await world.Checker().CheckAsync("huge.test", [], default);

        Assert.Equal(20 + 950, check.Dmarc.Record!.Length);
        Assert.Contains("dmarc.syntax", Codes(check.Dmarc.Findings, FindingSeverity.Error));
    }

    [Fact]
    public async Task A_TXT_record_of_40000_characters_is_left_unread_with_a_finding()
    {
        using var hostile = new HostileResolver(40_000);
        var checker = PostureWorld.Checker(hostile.Server, TimeSpan.FromSeconds(1));

        var check = await checker.CheckAsync("hostile.test", [], default);

        Assert.Null(check.Dmarc.Record);
        var finding = Assert.Single(check.Dmarc.Findings);
        Assert.Equal(("dns.txt-too-large", FindingSeverity.Error), (finding.Code, finding.Severity));
        Assert.Contains("40,000 characters", finding.Message, StringComparison.Ordinal);
        Assert.Equal("dns.txt-too-large", check.Spf.Findings.Single().Code);
        Assert.False(check.Incomplete);
    }

    [Fact]
    public async Task The_lookup_cap_ends_the_check_as_incomplete()
    {
        var check = await world.Checker(maxLookups: 10).CheckAsync("many.test", [], default);

        Assert.True(check.Incomplete);
        Assert.Equal(10, check.Lookups);
        Assert.Contains(check.TlsRpt.Findings, f => f.Code == "dns.failed" && f.Message.Contains("cap of 10", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_resolver_that_does_not_answer_gives_findings_within_the_timeouts()
    {
        using var silent = new SilentResolver();
        var checker = PostureWorld.Checker($"127.0.0.1:{silent.EndPoint.Port}", TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        var check = await checker.CheckAsync(PostureWorld.Good, [], default);

        Assert.True(check.Incomplete);
        Assert.Equal(["dns.failed"], Codes(check.Dmarc.Findings, FindingSeverity.Error));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
