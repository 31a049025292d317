using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Settings;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Behaviour;

public class AlertGateTests
{
    private static readonly DateTimeOffset s_start = At(FirstDay, 9);

    private static AlertCandidate NewSource(string ip = "203.0.113.5") =>
        new(AlertRules.NewSource, $"New unauthorised source {ip}", "detail", new Dictionary<string, string> { ["sourceIp"] = ip }, Domain, ip);

    private static (AlertBook Book, GateOutcome Outcome, Emissions Emit) Raise(
        GrainSettings settings, AlertBook book, AlertCandidate candidate, DateTimeOffset now)
    {
        var emit = new Emissions();
        var (next, outcome) = new AlertGate(settings, GrainTypes.Domain, Domain).Raise(book, candidate, now, emit);
        return (next, outcome, emit);
    }

    [Fact]
    public void Fingerprint_is_sha256_of_rule_key_and_discriminators()
    {
        var fingerprint = AlertGate.Fingerprint(AlertRules.NewSource, Domain, new Dictionary<string, string> { ["sourceIp"] = "203.0.113.5" });

        Assert.Equal("54274f6624c237c1d45cc595ec6ec9666525f01eb478c026f416b8886499a28e", fingerprint);
    }

    [Fact]
    public void Fingerprint_does_not_depend_on_discriminator_order()
    {
        var ab = AlertGate.Fingerprint(AlertRules.PolicyDowngrade, Domain, new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        var ba = AlertGate.Fingerprint(AlertRules.PolicyDowngrade, Domain, new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });

        Assert.Equal("9c3041daff867ff2189f611070cfc0d4b9452d1e8f70f17f08c049ddd08dbbdd", ab);
        Assert.Equal(ab, ba);
    }

    [Fact]
    public void First_occurrence_opens_an_alert_and_asks_for_a_notification()
    {
        var (book, outcome, emit) = Raise(GrainSettings.Default, AlertBook.Empty, NewSource(), s_start);

        Assert.Equal(GateOutcome.Raised, outcome);
        var alert = Assert.Single(emit.Alerts);
        Assert.Equal((false, 1, Severity.Medium, GrainTypes.Domain, Domain), (alert.IsRepeat, alert.Occurrences, alert.Severity, alert.GrainType, alert.GrainKey));
        Assert.Equal("203.0.113.5", alert.Discriminators["sourceIp"]);
        var notify = Assert.Single(emit.Outbox);
        Assert.Equal((OutboxChannel.Notify, OutboxOutput.AlertRaised), (notify.Channel, notify.MessageType));
        Assert.Same(alert, notify.Alert);
        Assert.True(Assert.Single(book.Alerts).Open);
    }

    [Fact]
    public void Repeat_while_open_counts_an_occurrence_without_a_new_alert_or_notification()
    {
        var (book, _, _) = Raise(GrainSettings.Default, AlertBook.Empty, NewSource(), s_start);
        (book, _, _) = Raise(GrainSettings.Default, book, NewSource(), s_start.AddHours(1));
        var (third, outcome, emit) = Raise(GrainSettings.Default, book, NewSource(), s_start.AddDays(3));

        Assert.Equal(GateOutcome.Repeated, outcome);
        var alert = Assert.Single(emit.Alerts);
        Assert.True(alert.IsRepeat);
        Assert.Equal(3, alert.Occurrences);
        Assert.Empty(emit.Outbox);
        Assert.Equal(s_start.AddDays(3), Assert.Single(third.Alerts).LastSeenAt);
    }

    [Fact]
    public void Raising_several_at_once_is_raising_them_one_after_another()
    {
        var gate = new AlertGate(GrainSettings.Default, GrainTypes.Domain, Domain);
        var (book, _, _) = Raise(GrainSettings.Default, AlertBook.Empty, NewSource("203.0.113.5"), s_start);
        var (one, _, _) = Raise(GrainSettings.Default, book, NewSource("203.0.113.6"), s_start.AddHours(1));
        (one, _, _) = Raise(GrainSettings.Default, one, NewSource("203.0.113.5"), s_start.AddHours(1));
        (one, _, _) = Raise(GrainSettings.Default, one, NewSource("203.0.113.6"), s_start.AddHours(1));
        var emit = new Emissions();

        var all = gate.RaiseAll(book, [NewSource("203.0.113.6"), NewSource("203.0.113.5"), NewSource("203.0.113.6")], s_start.AddHours(1), emit);

        Assert.Equal(one.Alerts, all.Alerts);
        Assert.Equal([(false, 1), (true, 2), (true, 2)], emit.Alerts.Select(a => (a.IsRepeat, a.Occurrences)));
        Assert.Single(emit.Outbox);
        Assert.Same(book, gate.RaiseAll(book, [], s_start, new Emissions()));
    }

    [Fact]
    public void Different_discriminators_are_different_alerts()
    {
        var (book, _, _) = Raise(GrainSettings.Default, AlertBook.Empty, NewSource("203.0.113.5"), s_start);
        var (next, outcome, emit) = Raise(GrainSettings.Default, book, NewSource("203.0.113.6"), s_start);

        Assert.Equal(GateOutcome.Raised, outcome);
        Assert.False(Assert.Single(emit.Alerts).IsRepeat);
        Assert.Equal(2, next.Open.Count());
    }

    [Fact]
    public void After_close_the_same_fingerprint_is_held_back_until_the_cooldown_has_passed()
    {
        var gate = new AlertGate(GrainSettings.Default, GrainTypes.Domain, Domain);
        var (book, _, raised) = Raise(GrainSettings.Default, AlertBook.Empty, NewSource(), s_start);
        book = gate.Close(book, raised.Alerts[0].Fingerprint, s_start.AddHours(2));

        var (_, during, quiet) = Raise(GrainSettings.Default, book, NewSource(), s_start.AddHours(23));
        var (_, after, loud) = Raise(GrainSettings.Default, book, NewSource(), s_start.AddHours(24));

        Assert.Equal(GateOutcome.CoolingDown, during);
        Assert.Empty(quiet.Alerts);
        Assert.Equal(GateOutcome.Raised, after);
        Assert.Equal((false, 1), (loud.Alerts[0].IsRepeat, loud.Alerts[0].Occurrences));
        Assert.Single(loud.Outbox);
    }

    [Fact]
    public void Without_cooldown_a_closed_alert_reopens_at_once_and_is_forgotten_on_close()
    {
        var settings = GrainSettings.Default.WithRule(Rule(AlertRules.NewSource) with { Cooldown = TimeSpan.Zero });
        var gate = new AlertGate(settings, GrainTypes.Domain, Domain);
        var (book, _, raised) = Raise(settings, AlertBook.Empty, NewSource(), s_start);
        book = gate.Close(book, raised.Alerts[0].Fingerprint, s_start.AddMinutes(5));

        var (_, outcome, _) = Raise(settings, book, NewSource(), s_start.AddMinutes(6));

        Assert.Empty(book.Alerts);
        Assert.Equal(GateOutcome.Raised, outcome);
    }

    [Fact]
    public void Closing_an_unknown_fingerprint_changes_nothing()
    {
        var (book, _, _) = Raise(GrainSettings.Default, AlertBook.Empty, NewSource(), s_start);

        var after = new AlertGate(GrainSettings.Default, GrainTypes.Domain, Domain).Close(book, "0000", s_start.AddHours(1));

        Assert.Same(book, after);
    }

    [Fact]
    public void Disabled_rule_raises_nothing()
    {
        var settings = GrainSettings.Default.WithRule(Rule(AlertRules.NewSource) with { Enabled = false });

        var (book, outcome, emit) = Raise(settings, AlertBook.Empty, NewSource(), s_start);

        Assert.Equal(GateOutcome.Disabled, outcome);
        Assert.Empty(emit.Alerts);
        Assert.Empty(book.Alerts);
    }

    [Theory]
    [InlineData(SuppressionScope.Domain, "example.com")]
    [InlineData(SuppressionScope.Domain, "EXAMPLE.com.")]
    [InlineData(SuppressionScope.Network, "203.0.113.5")]
    [InlineData(SuppressionScope.Network, "203.0.113.0/24")]
    [InlineData(SuppressionScope.Rule, AlertRules.NewSource)]
    public void Active_suppression_by_domain_network_or_rule_drops_the_alert(SuppressionScope scope, string value)
    {
        var settings = GrainSettings.Default with
        {
            Suppressions = [new AlertSuppression(scope, value, s_start.AddDays(-1), s_start.AddDays(1), "known forwarder")],
        };

        var (book, outcome, emit) = Raise(settings, AlertBook.Empty, NewSource(), s_start);

        Assert.Equal(GateOutcome.Suppressed, outcome);
        Assert.Empty(emit.Alerts);
        Assert.Empty(emit.Outbox);
        Assert.Empty(book.Alerts);
    }

    [Fact]
    public void Domain_suppression_covers_subdomains_but_not_lookalikes()
    {
        var suppression = new AlertSuppression(SuppressionScope.Domain, "example.com", s_start, null, "migration");

        Assert.True(suppression.Matches(AlertRules.NewSource, "mail.example.com", null));
        Assert.False(suppression.Matches(AlertRules.NewSource, "badexample.com", null));
    }

    [Theory]
    [InlineData(SuppressionScope.Domain, "example.org")]
    [InlineData(SuppressionScope.Network, "203.0.114.0/24")]
    [InlineData(SuppressionScope.Network, "not-a-network")]
    [InlineData(SuppressionScope.Rule, AlertRules.FailureSpike)]
    public void Suppression_that_does_not_match_lets_the_alert_through(SuppressionScope scope, string value)
    {
        var settings = GrainSettings.Default with { Suppressions = [new AlertSuppression(scope, value, s_start.AddDays(-1), null, "other")] };

        var (_, outcome, _) = Raise(settings, AlertBook.Empty, NewSource(), s_start);

        Assert.Equal(GateOutcome.Raised, outcome);
    }

    [Fact]
    public void Suppression_window_starts_at_its_start_and_ends_before_its_end()
    {
        var start = s_start.AddHours(1);
        var end = s_start.AddHours(3);
        var settings = GrainSettings.Default with
        {
            Suppressions = [new AlertSuppression(SuppressionScope.Rule, AlertRules.NewSource, start, end, "maintenance")],
        };

        GateOutcome At(DateTimeOffset now) => Raise(settings, AlertBook.Empty, NewSource(), now).Outcome;

        Assert.Equal(GateOutcome.Raised, At(start.AddTicks(-1)));
        Assert.Equal(GateOutcome.Suppressed, At(start));
        Assert.Equal(GateOutcome.Suppressed, At(end.AddTicks(-1)));
        Assert.Equal(GateOutcome.Raised, At(end));
    }

    [Fact]
    public void Suppressed_repeat_of_an_open_alert_is_not_counted()
    {
        var (book, _, _) = Raise(GrainSettings.Default, AlertBook.Empty, NewSource(), s_start);
        var settings = GrainSettings.Default with
        {
            Suppressions = [new AlertSuppression(SuppressionScope.Network, "203.0.113.5", s_start, null, "investigating")],
        };

        var (after, outcome, emit) = Raise(settings, book, NewSource(), s_start.AddHours(1));

        Assert.Equal(GateOutcome.Suppressed, outcome);
        Assert.Empty(emit.Alerts);
        Assert.Equal(1, Assert.Single(after.Alerts).Occurrences);
    }

    [Fact]
    public void Missing_rule_runs_with_its_default_and_missing_threshold_takes_the_default_value()
    {
        var settings = GrainSettings.Default with
        {
            Rules = [Rule(AlertRules.FailureSpike) with { Thresholds = new Dictionary<string, double> { [AlertRules.Thresholds.Ratio] = 3 } }],
        };

        Assert.Equal(Rule(AlertRules.NewSource), settings.Rule(AlertRules.NewSource));
        Assert.Equal(3, settings.Rule(AlertRules.FailureSpike).Threshold(AlertRules.Thresholds.Ratio));
        Assert.Equal(100, settings.Rule(AlertRules.FailureSpike).Threshold(AlertRules.Thresholds.MinMessages));
    }

    [Fact]
    public void Every_rule_has_a_default()
    {
        var keys = AlertRules.Defaults.Select(r => r.Key).ToList();

        Assert.Equal(
            [AlertRules.FailureSpike, AlertRules.NewSource, AlertRules.PolicyDowngrade, AlertRules.ReporterGap, AlertRules.SourceThreat, AlertRules.DnsPostureChange], keys);
        Assert.All(AlertRules.Defaults, r => Assert.True(r.Enabled && r.Cooldown > TimeSpan.Zero && r.Description.Length > 0));
        Assert.Empty(GrainSettings.Default.Validate());
    }
}
