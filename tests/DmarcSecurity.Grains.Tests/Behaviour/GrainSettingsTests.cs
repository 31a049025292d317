using System.Net;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Domains;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Tests.Behaviour;

public class GrainSettingsTests
{
    [Fact]
    public void Defaults_are_those_of_the_issue()
    {
        var settings = GrainSettings.Default;

        Assert.Equal(new ScoringWeights(0.30, 0.25, 0.20, 0.15, 0.10), settings.Scoring.Weights);
        Assert.Equal((false, TimeSpan.FromHours(4)), (settings.Decisions.Enforce, settings.Decisions.DefaultTtl));
        Assert.Equal((90, 0.2), (settings.Domains.RetentionDays, settings.Domains.BaselineAlpha));
        Assert.Empty(settings.Validate());
    }

    [Fact]
    public void Validation_names_every_bad_setting()
    {
        var settings = GrainSettings.Default with
        {
            Scoring = ScoringSettings.Default with { Weights = new ScoringWeights(0, 0, 0, 0, 0) },
            Decisions = DecisionSettings.Default with { MaxTtl = TimeSpan.FromHours(1), BlockPrefixV4 = 33 },
            Domains = DomainSettings.Default with { BaselineAlpha = 0 },
            Rules = [AlertRules.Default(AlertRules.NewSource)! with { Cooldown = TimeSpan.FromHours(-1) }],
            Suppressions = [new AlertSuppression(SuppressionScope.Network, "10.0.0.0/99", DateTimeOffset.UnixEpoch, null, "typo")],
        };

        Assert.Equal(
        [
            "Scoring.Weights: every weight must be 0 or more, and at least one above 0.",
            "Decisions.MaxTtl must be at least Decisions.DefaultTtl.",
            "Decisions.BlockPrefixV4 must be 0..32.",
            "Domains.BaselineAlpha must be above 0 and at most 1.",
            "Rules[domain.new-source].Cooldown must not be negative.",
            "Suppressions: '10.0.0.0/99' is neither an IP address nor a CIDR block.",
        ], settings.Validate());
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData(" 192.0.2.7/24 ", "192.0.2.0/24")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7/32")]
    [InlineData("2001:db8::1/32", "2001:db8::/32")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void Networks_parse_addresses_and_blocks(string text, string expected)
    {
        Assert.True(Networks.TryParse(text, out var network));
        Assert.Equal(expected, network.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("192.0.2.0/")]
    [InlineData("192.0.2.0/-1")]
    [InlineData("mail.example.com")]
    public void Networks_refuse_what_is_not_an_address_or_block(string text)
    {
        Assert.False(Networks.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Networks.Parse(text));
    }

    [Fact]
    public void Mapped_addresses_match_ipv4_blocks()
    {
        Assert.True(Networks.Contains(Networks.Parse("192.0.2.0/24"), IPAddress.Parse("::ffff:192.0.2.200")));
        Assert.Equal("192.0.2.200", Networks.Canonical("::ffff:192.0.2.200"));
    }
}
