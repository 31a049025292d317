using System.Diagnostics;
using DmarcSecurity.Api.Posture;
using DmarcSecurity.Core.Posture;

namespace DmarcSecurity.Api.Tests.Posture;

/// <summary>MTA-STS policy files fetched over real HTTPS from <see cref="MtaStsServer"/>, with the policy hosts and MX
/// records served by the real dnsmasq of <see cref="PostureWorld"/>.</summary>
public sealed class MtaStsPolicyCheckTests(PostureWorld world) : IClassFixture<PostureWorld>
{
    private static PostureFindingDto Error(MtaStsPostureDto mtaSts, string code) =>
        Assert.Single(mtaSts.Findings, f => f.Code == code && f.Severity == FindingSeverity.Error);

    [Fact]
    public async Task A_wildcard_pattern_matches_every_MX_host_one_label_deep()
    {
        var check = await world.Checker().CheckAsync("wildcard.test", [], default);

        var policy = check.MtaSts.Policy!;
        Assert.Equal(["*.wildcard.test"], policy.Mx);
        Assert.Equal(["mx1.wildcard.test", "mx2.wildcard.test"], policy.MxHosts.Order(StringComparer.Ordinal));
        Assert.Empty(policy.UnmatchedMx);
        Assert.Equal(FindingSeverity.Ok, check.MtaSts.Findings.Max(f => f.Severity));
        Assert.False(check.Incomplete);
    }

    [Fact]
    public async Task MX_hosts_the_patterns_do_not_match_are_an_error_that_names_them()
    {
        var check = await world.Checker().CheckAsync("unmatched.test", [], default);

        Assert.Equal(["a.b.unmatched.test"], check.MtaSts.Policy!.UnmatchedMx);
        var error = Error(check.MtaSts, "mta-sts.mx-unmatched");
        Assert.Contains("a.b.unmatched.test", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("backup.unmatched.test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Testing_mode_a_short_max_age_and_a_wrong_content_type_are_warnings()
    {
        var check = await world.Checker().CheckAsync("testing.test", [], default);

        Assert.Equal(("testing", (long?)3600), (check.MtaSts.Policy!.Mode, check.MtaSts.Policy.MaxAge));
        Assert.Equal(["mta-sts.policy-content-type", "mta-sts.policy-testing", "mta-sts.policy-max-age-short"],
            check.MtaSts.Findings.Where(f => f.Severity == FindingSeverity.Warning).Select(f => f.Code));
        Assert.DoesNotContain(check.MtaSts.Findings, f => f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public async Task A_malformed_policy_is_kept_and_its_errors_name_the_bad_values()
    {
        var check = await world.Checker().CheckAsync("malformed.test", [], default);

        Assert.StartsWith("version: STSv1\r\nmode: block", check.MtaSts.Policy!.Text, StringComparison.Ordinal);
        Assert.Null(check.MtaSts.Policy.Mode);
        Assert.Contains("'block'", Error(check.MtaSts, "mta-sts.policy-mode").Message, StringComparison.Ordinal);
        Assert.Contains("'forever'", Error(check.MtaSts, "mta-sts.policy-max-age").Message, StringComparison.Ordinal);
        Assert.Contains("'bad..name'", Error(check.MtaSts, "mta-sts.policy-mx").Message, StringComparison.Ordinal);
        Assert.Equal(FindingSeverity.Error, check.Worst);
    }

    [Fact]
    public async Task A_certificate_from_a_CA_nobody_trusts_is_an_error()
    {
        var check = await world.Checker().CheckAsync(MtaStsServer.UntrustedDomain, [], default);

        var error = Error(check.MtaSts, "mta-sts.policy-certificate");
        Assert.Contains("does not lead to a trusted authority", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not issued for", error.Message, StringComparison.Ordinal);
        Assert.Null(check.MtaSts.Policy!.Text);
    }

    [Fact]
    public async Task A_certificate_for_another_host_name_is_an_error()
    {
        var check = await world.Checker().CheckAsync(MtaStsServer.WrongHostDomain, [], default);

        var error = Error(check.MtaSts, "mta-sts.policy-certificate");
        Assert.Contains($"not issued for mta-sts.{MtaStsServer.WrongHostDomain}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("trusted authority", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_test_CA_the_checker_trusts_only_the_system_roots_and_refuses_even_the_good_host()
    {
        var check = await world.Checker(connection: new MtaStsConnection { Port = world.Https.Port }).CheckAsync(PostureWorld.Good, [], default);

        Assert.Contains("does not lead to a trusted authority", Error(check.MtaSts, "mta-sts.policy-certificate").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_is_an_error_naming_where_it_leads()
    {
        var check = await world.Checker().CheckAsync("redirect.test", [], default);

        var error = Error(check.MtaSts, "mta-sts.policy-redirect");
        Assert.Contains("answers 301", error.Message, StringComparison.Ordinal);
        Assert.Contains("https://policies.elsewhere.test/mta-sts.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_404_is_an_error_with_the_status()
    {
        var check = await world.Checker().CheckAsync("notfound.test", [], default);

        Assert.Contains("answers 404", Error(check.MtaSts, "mta-sts.policy-status").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endless_policy_file_is_refused_after_64_KiB_without_being_read_whole()
    {
        var clock = Stopwatch.StartNew();
        var check = await world.Checker().CheckAsync("big.test", [], default);

        Assert.Contains("more than the 64 KiB", Error(check.MtaSts, "mta-sts.policy-too-large").Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_server_slower_than_the_timeout_is_an_error_within_the_timeout()
    {
        var clock = Stopwatch.StartNew();
        var check = await world.Checker(mtaStsTimeout: TimeSpan.FromSeconds(1)).CheckAsync("slow.test", [], default);

        Assert.Contains("did not answer within 1 s", Error(check.MtaSts, "mta-sts.policy-timeout").Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_policy_host_without_an_address_is_unreachable()
    {
        var check = await world.Checker().CheckAsync("noaddress.test", [], default);

        Assert.Contains("mta-sts.noaddress.test has no address", Error(check.MtaSts, "mta-sts.policy-unreachable").Message, StringComparison.Ordinal);
        Assert.False(check.Incomplete);
    }

    [Fact]
    public async Task A_policy_host_where_nothing_listens_is_unreachable()
    {
        var check = await world.Checker(connection: new MtaStsConnection { Port = ClosedPort() }).CheckAsync(PostureWorld.Good, [], default);

        Assert.Contains("could not be fetched", Error(check.MtaSts, "mta-sts.policy-unreachable").Message, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
