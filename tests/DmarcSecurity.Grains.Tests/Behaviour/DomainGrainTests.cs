using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Domains;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Behaviour;

public class DomainGrainTests
{
    private static DomainGrain Grain(GrainSettings? settings = null) => new(Domain, settings ?? GrainSettings.Default);

    /// <summary>Seven days of 1000 messages at 2 % failure, each report arriving the next morning.</summary>
    private static DomainState Baseline(DomainGrain grain, int days = 7, double failureRate = 0.02)
    {
        var state = new DomainState();
        for (var i = 0; i < days; i++)
        {
            var day = FirstDay.AddDays(i);
            state = grain.Apply(state, Traffic(day, 1000, (long)(1000 * failureRate)), Arrival(day)).State;
        }

        return state;
    }

    private static IEnumerable<AlertOutput> Of(GrainStep<DomainState> step, string rule) => step.Alerts.Where(a => a.RuleKey == rule);

    [Fact]
    public void Report_adds_its_rows_to_the_day_of_its_window()
    {
        var report = Report(FirstDay, Pass("198.51.100.10", 90), new DmarcReportRow("198.51.100.11", 5, "none", true, false),
            Fail("192.0.2.1", 3, "quarantine"), Fail("192.0.2.2", 2));

        var day = Assert.Single(Grain().Apply(new DomainState(), report, Arrival(FirstDay)).State.Days);

        Assert.Equal(new DomainDay(FirstDay, 100, 95, 95, 90, 95, 3, 2), day);
        Assert.Equal(0.05, day.FailureRate, 12);
    }

    [Fact]
    public void Settled_days_fold_into_the_ewma_baseline_oldest_first()
    {
        var grain = Grain(GrainSettings.Default with { Domains = DomainSettings.Default with { BaselineAlpha = 0.5 } });
        var first = grain.Apply(new DomainState(), Traffic(FirstDay, 100, 10), Arrival(FirstDay)).State;
        var state = grain.Apply(first, Traffic(FirstDay.AddDays(1), 100, 30), Arrival(FirstDay.AddDays(1))).State;
        Assert.Null(first.BaselineFailureRate);

        var step = grain.Tick(state, At(FirstDay.AddDays(3), 1));

        Assert.NotNull(step);
        Assert.Equal(0.5 * 0.30 + 0.5 * 0.10, step.State.BaselineFailureRate!.Value, 12);
        Assert.Equal(2, step.State.BaselineDays);
        Assert.All(step.State.Days, d => Assert.True(d.Folded));
    }

    [Fact]
    public void Days_below_the_minimum_volume_stay_out_of_the_baseline()
    {
        var state = Grain().Apply(new DomainState(), Traffic(FirstDay, 9, 9), Arrival(FirstDay)).State;

        var rolled = Grain().Tick(state, At(FirstDay.AddDays(3)))!.State;

        Assert.Null(rolled.BaselineFailureRate);
        Assert.Equal(0, rolled.BaselineDays);
    }

    [Fact]
    public void Days_past_retention_are_dropped_and_tick_without_work_returns_null()
    {
        var grain = Grain();
        var state = grain.Tick(grain.Apply(new DomainState(), Traffic(FirstDay, 100, 1), Arrival(FirstDay)).State, At(FirstDay.AddDays(3)))!.State;

        Assert.Null(grain.Tick(state, At(FirstDay.AddDays(3), 5)));
        var later = grain.Tick(state, At(FirstDay.AddDays(92)))!.State;

        Assert.Empty(later.Days);
        Assert.Empty(later.KnownSenders);
        Assert.Empty(later.Reporters);
    }

    [Fact]
    public void Failure_spike_fires_when_today_is_well_above_the_baseline()
    {
        var grain = Grain();
        var state = Baseline(grain);
        var today = FirstDay.AddDays(7);

        var step = grain.Apply(state, Traffic(today, 1000, 300), Arrival(today));

        var alert = Assert.Single(Of(step, AlertRules.FailureSpike));
        Assert.Equal((Severity.High, false), (alert.Severity, alert.IsRepeat));
        Assert.Contains("300 of 1000 messages failed DMARC (30.0%) against a baseline of 2.0% over 7 days", alert.Detail);
        Assert.Contains(step.Outbox, o => o.Alert == alert);
    }

    [Fact]
    public void Failure_spike_repeats_while_open_and_fires_anew_after_close_and_cooldown()
    {
        var grain = Grain();
        var today = FirstDay.AddDays(7);
        var first = grain.Apply(Baseline(grain), Traffic(today, 1000, 300), Arrival(today));
        var second = grain.Apply(first.State, Traffic(today, 1000, 300, org: "yahoo.com"), Arrival(today).AddHours(2));
        var repeat = Assert.Single(Of(second, AlertRules.FailureSpike));
        Assert.Equal((true, 2), (repeat.IsRepeat, repeat.Occurrences));
        Assert.DoesNotContain(second.Outbox, o => o.Alert?.RuleKey == AlertRules.FailureSpike);

        var closed = grain.CloseAlert(second.State, new AlertClosedEvent(repeat.Fingerprint), Arrival(today).AddHours(3)).State;
        var tomorrow = today.AddDays(1);
        var again = grain.Apply(closed, Traffic(tomorrow, 1000, 300), Arrival(tomorrow));

        var fresh = Assert.Single(Of(again, AlertRules.FailureSpike));
        Assert.Equal((false, 1), (fresh.IsRepeat, fresh.Occurrences));
    }

    [Fact]
    public void Failure_spike_needs_the_minimum_volume()
    {
        var grain = Grain();
        var today = FirstDay.AddDays(7);

        var step = grain.Apply(Baseline(grain), Traffic(today, 99, 60), Arrival(today));

        Assert.Empty(Of(step, AlertRules.FailureSpike));
    }

    [Fact]
    public void Failure_spike_needs_both_the_ratio_and_the_minimum_increase()
    {
        var grain = Grain();
        var state = Baseline(grain);
        var today = FirstDay.AddDays(7);

        var smallIncrease = grain.Apply(state, Traffic(today, 1000, 100), Arrival(today));
        var lowRatio = grain.Apply(Baseline(grain, failureRate: 0.30), Traffic(today, 1000, 450), Arrival(today));

        Assert.Empty(Of(smallIncrease, AlertRules.FailureSpike));
        Assert.Empty(Of(lowRatio, AlertRules.FailureSpike));
    }

    [Fact]
    public void Failure_spike_needs_enough_baseline_days()
    {
        var grain = Grain();
        var today = FirstDay.AddDays(3);

        var step = grain.Apply(Baseline(grain, days: 3), Traffic(today, 1000, 500), Arrival(today));

        Assert.Empty(Of(step, AlertRules.FailureSpike));
    }

    [Fact]
    public void Failure_spike_ignores_a_late_report_for_a_settled_day()
    {
        var grain = Grain();
        var state = Baseline(grain, days: 9);

        var step = grain.Apply(state, Traffic(FirstDay.AddDays(1), 1000, 900), Arrival(FirstDay.AddDays(9)));

        Assert.Empty(Of(step, AlertRules.FailureSpike));
    }

    [Fact]
    public void New_source_fires_for_volume_that_fails_both_alignments_and_never_passed()
    {
        var report = Report(FirstDay, Pass("198.51.100.10", 500), Fail("203.0.113.5", 6), Fail("203.0.113.5", 4, "quarantine"));

        var step = Grain().Apply(new DomainState(), report, Arrival(FirstDay));

        var alert = Assert.Single(Of(step, AlertRules.NewSource));
        Assert.Equal("203.0.113.5", alert.Discriminators["sourceIp"]);
        Assert.Equal(Severity.Medium, alert.Severity);
        Assert.Contains("203.0.113.5 sent 10 messages as example.com", alert.Detail);
    }

    [Fact]
    public void New_source_stays_quiet_below_the_volume_threshold()
    {
        var step = Grain().Apply(new DomainState(), Report(FirstDay, Fail("203.0.113.5", 9)), Arrival(FirstDay));

        Assert.Empty(Of(step, AlertRules.NewSource));
    }

    [Fact]
    public void New_source_stays_quiet_for_a_known_sender()
    {
        var grain = Grain();
        var state = grain.Apply(new DomainState(), Report(FirstDay, Pass("203.0.113.5", 50)), Arrival(FirstDay)).State;

        var step = grain.Apply(state, Report(FirstDay.AddDays(1), Fail("::ffff:203.0.113.5", 40)), Arrival(FirstDay.AddDays(1)));

        Assert.Empty(Of(step, AlertRules.NewSource));
        Assert.True(state.KnownSenders.ContainsKey("203.0.113.5"));
    }

    [Fact]
    public void New_source_stays_quiet_when_the_source_passes_one_alignment_or_passes_elsewhere_in_the_report()
    {
        var oneAligned = Report(FirstDay, new DmarcReportRow("203.0.113.5", 40, "none", DkimAligned: true, SpfAligned: false));
        var forwarded = Report(FirstDay, Pass("203.0.113.6", 10), Fail("203.0.113.6", 40));

        Assert.Empty(Of(Grain().Apply(new DomainState(), oneAligned, Arrival(FirstDay)), AlertRules.NewSource));
        Assert.Empty(Of(Grain().Apply(new DomainState(), forwarded, Arrival(FirstDay)), AlertRules.NewSource));
    }

    [Fact]
    public void New_source_inside_a_suppressed_block_raises_nothing_while_others_still_do()
    {
        var grain = Grain(GrainSettings.Default with
        {
            Suppressions = [new AlertSuppression(SuppressionScope.Network, "203.0.113.0/28", At(FirstDay), null, "partner's forwarding service")],
        });

        var step = grain.Apply(new DomainState(), Report(FirstDay, Fail("203.0.113.5", 40), Fail("203.0.113.20", 40)), Arrival(FirstDay));

        Assert.Equal(["203.0.113.20"], Of(step, AlertRules.NewSource).Select(a => a.Discriminators["sourceIp"]));
    }

    [Fact]
    public void Known_senders_keep_the_most_recent_up_to_the_cap()
    {
        var grain = Grain(GrainSettings.Default with { Domains = DomainSettings.Default with { MaxKnownSenders = 2 } });
        var state = new DomainState();
        for (var i = 0; i < 3; i++)
        {
            state = grain.Apply(state, Report(FirstDay.AddDays(i), Pass($"198.51.100.{i}", 5)), Arrival(FirstDay.AddDays(i))).State;
        }

        Assert.Equal(["198.51.100.1", "198.51.100.2"], state.KnownSenders.Keys.Order());
    }

    [Theory]
    [InlineData("none", "none", null, null, "p: reject -> none; sp: reject -> none")]
    [InlineData("reject", "quarantine", null, null, "sp: reject -> quarantine")]
    [InlineData("reject", "reject", 50, null, "pct: 100 -> 50")]
    [InlineData("reject", "reject", null, "y", "testing: n -> y")]
    public void Policy_downgrade_fires_for_a_weaker_policy(string p, string sp, int? pct, string? testing, string changes)
    {
        var grain = Grain();
        var state = grain.Apply(new DomainState(), Report(FirstDay, new DmarcPublishedPolicy("reject", "reject", Pct: 100, Testing: "n"), "google.com"), Arrival(FirstDay)).State;
        var day = FirstDay.AddDays(1);

        var step = grain.Apply(state, Report(day, new DmarcPublishedPolicy(p, sp, Pct: pct, Testing: testing), "google.com"), Arrival(day));

        var alert = Assert.Single(Of(step, AlertRules.PolicyDowngrade));
        Assert.Equal(changes, alert.Discriminators["changes"]);
        Assert.Equal(Severity.High, alert.Severity);
    }

    [Fact]
    public void Policy_downgrade_compares_np_only_when_both_reports_give_it()
    {
        var grain = Grain();
        var state = grain.Apply(new DomainState(), Report(FirstDay, Reject with { Np = "reject" }, "google.com"), Arrival(FirstDay)).State;
        var rfc7489 = grain.Apply(state, Report(FirstDay.AddDays(1), Reject, "yahoo.com"), Arrival(FirstDay.AddDays(1)));

        var weaker = grain.Apply(rfc7489.State, Report(FirstDay.AddDays(2), Reject with { Np = "none" }, "google.com"), Arrival(FirstDay.AddDays(2)));

        Assert.Empty(Of(rfc7489, AlertRules.PolicyDowngrade));
        Assert.Equal("np: reject -> none", Assert.Single(Of(weaker, AlertRules.PolicyDowngrade)).Discriminators["changes"]);
    }

    [Fact]
    public void Every_policy_change_stronger_or_weaker_is_kept_in_the_history_once_in_report_order()
    {
        var grain = Grain();
        var state = new DomainState();
        var policies = new (int Day, DmarcPublishedPolicy Policy)[]
        {
            (0, new("none", Pct: 100)), (1, new("none", Pct: 100)), (2, new("quarantine", Pct: 25)), (3, new("quarantine", Pct: 100)),
            (4, new("reject", Pct: 100)), (5, new("reject", Pct: 100)), (6, new("none", Pct: 100)),
        };
        foreach (var (day, policy) in policies)
        {
            state = grain.Apply(state, Report(FirstDay.AddDays(day), policy, "google.com"), Arrival(FirstDay.AddDays(day))).State;
        }

        // A late report about an older day changes nothing.
        state = grain.Apply(state, Report(FirstDay.AddDays(2), new DmarcPublishedPolicy("quarantine", Pct: 10), "yahoo.com"), Arrival(FirstDay.AddDays(7))).State;

        Assert.Equal(
            [("none", 100, 0), ("quarantine", 25, 2), ("quarantine", 100, 3), ("reject", 100, 4), ("none", 100, 6)],
            state.PolicyHistory.Select(p => (p.P, p.Pct ?? 0, (p.AsOf - At(FirstDay)).Days)));
        Assert.Equal("none", state.Policy!.P);
    }

    [Fact]
    public void A_state_stored_before_the_history_starts_it_with_the_policy_it_knew()
    {
        var grain = Grain();
        var known = grain.Apply(new DomainState(), Report(FirstDay, new DmarcPublishedPolicy("reject", Pct: 100), "google.com"), Arrival(FirstDay)).State
            with { PolicyHistory = [] };

        var next = grain.Apply(known, Report(FirstDay.AddDays(1), new DmarcPublishedPolicy("quarantine", Pct: 100), "google.com"), Arrival(FirstDay.AddDays(1))).State;

        Assert.Equal(["reject", "quarantine"], next.PolicyHistory.Select(p => p.P));
    }

    [Fact]
    public void Policy_downgrade_stays_quiet_for_a_stricter_or_equal_policy()
    {
        var grain = Grain();
        var state = grain.Apply(new DomainState(), Report(FirstDay, new DmarcPublishedPolicy("quarantine", Pct: 50, Testing: "y"), "google.com"), Arrival(FirstDay)).State;

        var stricter = grain.Apply(state, Report(FirstDay.AddDays(1), new DmarcPublishedPolicy("reject", Pct: 100, Testing: "n"), "google.com"), Arrival(FirstDay.AddDays(1)));
        var same = grain.Apply(stricter.State, Report(FirstDay.AddDays(2), new DmarcPublishedPolicy("reject", Pct: 100, Testing: "n"), "google.com"), Arrival(FirstDay.AddDays(2)));

        Assert.Empty(Of(stricter, AlertRules.PolicyDowngrade));
        Assert.Empty(Of(same, AlertRules.PolicyDowngrade));
        Assert.Equal(("reject", "reject", 100, false), (same.State.Policy!.P, same.State.Policy.Sp, same.State.Policy.Pct, same.State.Policy.Testing));
    }

    [Fact]
    public void Policy_downgrade_stays_quiet_when_a_report_leaves_testing_out()
    {
        var grain = Grain();
        var testing = new DmarcPublishedPolicy("reject", Testing: "y");
        var state = grain.Apply(new DomainState(), Report(FirstDay, testing, "google.com"), Arrival(FirstDay)).State;
        state = grain.Apply(state, Report(FirstDay.AddDays(1), new DmarcPublishedPolicy("reject"), "yahoo.com"), Arrival(FirstDay.AddDays(1))).State;

        var step = grain.Apply(state, Report(FirstDay.AddDays(2), testing, "google.com"), Arrival(FirstDay.AddDays(2)));

        Assert.Empty(Of(step, AlertRules.PolicyDowngrade));
    }

    [Fact]
    public void Policy_downgrade_ignores_a_report_older_than_the_policy_known()
    {
        var grain = Grain();
        var state = grain.Apply(new DomainState(), Report(FirstDay.AddDays(5), Reject, "google.com"), Arrival(FirstDay.AddDays(5))).State;

        var step = grain.Apply(state, Report(FirstDay, new DmarcPublishedPolicy("none"), "google.com"), Arrival(FirstDay.AddDays(5)));

        Assert.Empty(Of(step, AlertRules.PolicyDowngrade));
        Assert.Equal("reject", step.State.Policy!.P);
    }

    private static DomainState DailyReporter(DomainGrain grain, int days, int skipDay = -1)
    {
        var state = new DomainState();
        for (var i = 0; i < days; i++)
        {
            if (i != skipDay)
            {
                state = grain.Apply(state, Report(FirstDay.AddDays(i), Pass("198.51.100.10", 20)), Arrival(FirstDay.AddDays(i))).State;
            }
        }

        return state;
    }

    [Fact]
    public void Reporter_gap_fires_once_when_a_daily_reporter_falls_silent()
    {
        var grain = Grain();
        var state = DailyReporter(grain, 7);
        var lastArrival = Arrival(FirstDay.AddDays(6));

        var early = grain.Tick(state, lastArrival.AddDays(3).AddMinutes(-1));
        var due = grain.Tick(early?.State ?? state, lastArrival.AddDays(3))!;
        var later = grain.Tick(due.State, lastArrival.AddDays(4));

        Assert.Empty(early?.Alerts ?? []);
        var alert = Assert.Single(Of(due, AlertRules.ReporterGap));
        Assert.Equal("google.com", alert.Discriminators["reporter"]);
        Assert.Equal(Severity.Low, alert.Severity);
        Assert.Empty(later?.Alerts ?? []);
    }

    [Fact]
    public void Reporter_gap_rearms_once_the_reporter_is_daily_again()
    {
        var grain = Grain();
        var gap = grain.Tick(DailyReporter(grain, 7), Arrival(FirstDay.AddDays(6)).AddDays(3))!;
        var state = gap.State;
        for (var i = 10; i < 17; i++)
        {
            state = grain.Apply(state, Report(FirstDay.AddDays(i), Pass("198.51.100.10", 20)), Arrival(FirstDay.AddDays(i))).State;
        }

        var again = grain.Tick(state, Arrival(FirstDay.AddDays(16)).AddDays(3));

        Assert.Single(Of(gap, AlertRules.ReporterGap));
        var repeat = Assert.Single(Of(again!, AlertRules.ReporterGap));
        Assert.Equal((true, 2), (repeat.IsRepeat, repeat.Occurrences));
    }

    [Fact]
    public void Reporter_gap_stays_quiet_for_a_reporter_that_did_not_send_daily()
    {
        var grain = Grain();
        var state = DailyReporter(grain, 8, skipDay: 3);

        var step = grain.Tick(state, Arrival(FirstDay.AddDays(7)).AddDays(5));

        Assert.Empty(step?.Alerts ?? []);
    }

    [Fact]
    public void Reporter_gap_suppressed_stays_armed_for_when_the_suppression_ends()
    {
        var lastArrival = Arrival(FirstDay.AddDays(6));
        var end = lastArrival.AddDays(5);
        var grain = Grain(GrainSettings.Default with
        {
            Suppressions = [new AlertSuppression(SuppressionScope.Domain, Domain, lastArrival, end, "reporter outage announced")],
        });
        var state = DailyReporter(grain, 7);

        var suppressed = grain.Tick(state, lastArrival.AddDays(3));
        var afterwards = grain.Tick(suppressed?.State ?? state, end);

        Assert.Empty(suppressed?.Alerts ?? []);
        Assert.Single(Of(afterwards!, AlertRules.ReporterGap));
    }
}
