using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Domains;
using DmarcSecurity.Grains.Settings;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Behaviour;

public class DomainPostureAlertTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private static DnsPostureChangedEvent Changed(string posture, bool weakened = true, long id = 2) =>
        new(id, Now, ["DMARC p: reject -> none", "the SPF record changed"], posture, weakened);

    [Fact]
    public void A_posture_change_raises_one_alert_with_what_changed()
    {
        var step = new DomainGrain(Domain, GrainSettings.Default).PostureChanged(new DomainState(), Changed("abc"), Now);

        var alert = Assert.Single(step.Alerts);
        Assert.Equal((AlertRules.DnsPostureChange, Severity.Medium, false), (alert.RuleKey, alert.Severity, alert.IsRepeat));
        Assert.Equal($"DNS posture of {Domain} weakened", alert.Title);
        Assert.Contains("DMARC p: reject -> none; the SPF record changed", alert.Detail, StringComparison.Ordinal);
        Assert.Equal("abc", alert.Discriminators["posture"]);
    }

    [Fact]
    public void The_same_new_posture_found_again_repeats_the_open_alert()
    {
        var grain = new DomainGrain(Domain, GrainSettings.Default);
        var first = grain.PostureChanged(new DomainState(), Changed("abc"), Now);

        var again = grain.PostureChanged(first.State, Changed("abc", id: 3), Now.AddHours(2));
        var other = grain.PostureChanged(again.State, Changed("def", weakened: false, id: 4), Now.AddHours(3));

        Assert.True(Assert.Single(again.Alerts).IsRepeat);
        var fresh = Assert.Single(other.Alerts);
        Assert.False(fresh.IsRepeat);
        Assert.Equal($"DNS posture of {Domain} changed", fresh.Title);
    }

    [Fact]
    public void A_disabled_rule_raises_nothing()
    {
        var settings = GrainSettings.Default with
        {
            Rules = [.. AlertRules.Defaults.Select(r => r.Key == AlertRules.DnsPostureChange ? r with { Enabled = false } : r)],
        };

        Assert.Empty(new DomainGrain(Domain, settings).PostureChanged(new DomainState(), Changed("abc"), Now).Alerts);
    }
}
