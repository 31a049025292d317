using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;
using DmarcSecurity.Grains.Sources;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Behaviour;

public class SourceIpGrainTests
{
    private const string Ip = "192.0.2.99";
    private static readonly DateTimeOffset s_now = Arrival(FirstDay);

    private static GrainStep<SourceIpState> Assess(
        SourceIpGrain grain, SourceIpState state, DateTimeOffset now, params DmarcRecordEvent[] records) =>
        grain.Assess(records.Aggregate(state, (s, r) => grain.Observe(s, r, now)), now);

    private static GrainStep<SourceIpState> Decide(GrainSettings settings, string ip = Ip) =>
        Assess(new SourceIpGrain(ip, settings), new SourceIpState(), s_now, Record(FirstDay, 40, failing: true));

    /// <summary>Settings under which every failing message pushes the score toward 1: pattern only.</summary>
    private static GrainSettings PatternOnly(bool enforce = false) => GrainSettings.Default with
    {
        Scoring = ScoringSettings.Default with { Weights = new ScoringWeights(1, 0, 0, 0, 0) },
        Decisions = DecisionSettings.Default with { Enforce = enforce },
    };

    [Fact]
    public void Critical_blocks_and_notifies_but_only_simulates_in_dry_run()
    {
        var step = Decide(ReputationOnly(0.95, Ip));

        var d = Assert.Single(step.Decisions);
        Assert.Equal((DecisionAction.Block, Severity.Critical, 0.95, true), (d.Action, d.Severity, d.Score, d.Simulated));
        Assert.Equal((DecisionScope.Ip, "192.0.2.99/32", Ip), (d.Scope, d.Cidr, d.Ip));
        Assert.Equal((TimeSpan.FromHours(4), s_now.AddHours(4), s_now), (d.Ttl, d.ExpiresAt, d.IssuedAt));
        Assert.Equal((DecisionOrigins.Dmarc, 0, false, (Guid?)null), (d.Origin, d.RepeatOffences, d.SuppressedByAllowlist, d.Supersedes));
        Assert.StartsWith("Critical threat score 0.950 = pattern 0.", d.Reason);
        Assert.Contains("reputation list 0.95 (test feed)", d.Reason);
        var notify = Assert.Single(step.Outbox);
        Assert.Equal((OutboxChannel.Notify, OutboxOutput.AlertRaised), (notify.Channel, notify.MessageType));
        Assert.Same(d, notify.Decision);
        var alert = Assert.Single(step.Alerts);
        Assert.Equal((AlertRules.SourceThreat, Severity.Critical, GrainTypes.SourceIp, Ip), (alert.RuleKey, alert.Severity, alert.GrainType, alert.GrainKey));
    }

    [Fact]
    public void Critical_with_enforcement_on_goes_to_the_enforce_outbox()
    {
        var step = Decide(ReputationOnly(0.95, Ip, enforce: true));

        var d = Assert.Single(step.Decisions);
        Assert.False(d.Simulated);
        var enforce = Assert.Single(step.Outbox, o => o.Channel == OutboxChannel.Enforce);
        Assert.Equal(OutboxOutput.DecisionBlock, enforce.MessageType);
        Assert.Same(d, enforce.Decision);
        Assert.Single(step.Outbox, o => o.Channel == OutboxChannel.Notify);
    }

    [Fact]
    public void High_asks_for_analyst_review_and_notifies_but_never_enforces()
    {
        var step = Decide(ReputationOnly(0.75, Ip, enforce: true));

        var d = Assert.Single(step.Decisions);
        Assert.Equal((DecisionAction.Review, Severity.High), (d.Action, d.Severity));
        Assert.Equal(OutboxChannel.Notify, Assert.Single(step.Outbox).Channel);
        Assert.Equal(Severity.High, Assert.Single(step.Alerts).Severity);
    }

    [Fact]
    public void Medium_is_reassessed_later_without_notification()
    {
        var step = Decide(ReputationOnly(0.55, Ip, enforce: true));

        var d = Assert.Single(step.Decisions);
        Assert.Equal((DecisionAction.Reassess, Severity.Medium, s_now.AddHours(1)), (d.Action, d.Severity, d.ReassessAt));
        Assert.Empty(step.Outbox);
        Assert.Empty(step.Alerts);
    }

    [Fact]
    public void Low_is_monitored_without_notification()
    {
        var step = Decide(ReputationOnly(0.35, Ip, enforce: true));

        var d = Assert.Single(step.Decisions);
        Assert.Equal((DecisionAction.Monitor, Severity.Low, (DateTimeOffset?)null), (d.Action, d.Severity, d.ReassessAt));
        Assert.Empty(step.Outbox);
        Assert.Empty(step.Alerts);
    }

    [Fact]
    public void Info_makes_no_decision()
    {
        var step = Decide(ReputationOnly(0.29, Ip, enforce: true));

        Assert.False(step.HasOutputs);
        Assert.Null(step.State.LastDecision);
    }

    [Fact]
    public void Dmarc_evidence_alone_scores_with_the_default_weights()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var records = Enumerable.Range(0, 3).SelectMany(i => new[]
        {
            Record(FirstDay.AddDays(i), 1000, failing: true, headerFrom: "example.com"),
            Record(FirstDay.AddDays(i), 1000, failing: true, headerFrom: $"brand{i}.example"),
        }).ToArray();

        var step = Assess(grain, new SourceIpState(), Arrival(FirstDay.AddDays(2)), records);

        // pattern 1 × 0.30 + context (0.5 × 1 + 0.5 × 4/5) × 0.25 + history (0.5 × 0 + 0.5 × 3/14) × 0.20
        var d = Assert.Single(step.Decisions);
        Assert.Equal(0.546429, d.Score);
        Assert.Equal((DecisionAction.Reassess, 4.0), (d.Action, d.Breakdown.Context.Inputs["failingDomains"]));
    }

    [Fact]
    public void Every_batch_is_assessed_on_the_current_evidence_even_without_a_new_decision()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var first = Assess(grain, new SourceIpState(), Arrival(FirstDay), Record(FirstDay, 1000, failing: true));
        var decided = Assert.Single(first.Decisions);

        // The same layer an hour later: no decision, but the score follows the evidence (now as two domains).
        var later = Arrival(FirstDay).AddHours(1);
        var second = Assess(grain, first.State, later, Record(FirstDay, 1000, failing: true, headerFrom: "brand.example"));

        Assert.Empty(second.Decisions);
        Assert.Equal((Arrival(FirstDay), decided.Score), (first.State.Assessment!.At, first.State.Assessment.Score.Score));
        var assessed = second.State.Assessment!;
        Assert.Equal(later, assessed.At);
        Assert.Equal((2000.0, 2.0), (assessed.Score.Breakdown.Pattern.Inputs["messages"], assessed.Score.Breakdown.Context.Inputs["failingDomains"]));
        // pattern 1 × 0.30 + context (0.5 × 1 + 0.5 × 2/5) × 0.25 + history (0.5 × 0 + 0.5 × 1/14) × 0.20
        Assert.Equal((0.457143, 0.482143), (decided.Score, assessed.Score.Score));
        Assert.Equal(decided.DecisionId, second.State.LastDecision!.Decision.DecisionId);
    }

    [Fact]
    public void Tick_assesses_again_once_evidence_leaves_the_window_and_is_silent_otherwise()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var state = Assess(grain, new SourceIpState(), Arrival(FirstDay), Record(FirstDay, 1000, failing: true)).State;

        Assert.Null(grain.Tick(state, Arrival(FirstDay).AddMinutes(15)));

        var month = grain.Tick(state, At(FirstDay.AddDays(31), 12))!.State;

        Assert.Empty(month.Days);
        Assert.Equal((At(FirstDay.AddDays(31), 12), 0.0, Severity.Info), (month.Assessment!.At, month.Assessment.Score.Score, month.Assessment.Score.Severity));
    }

    [Fact]
    public void Ttl_doubles_for_repeat_offenders_up_to_the_cap()
    {
        var settings = ReputationOnly(0.95, Ip) with { Decisions = DecisionSettings.Default with { MaxTtl = TimeSpan.FromHours(16) } };
        var grain = new SourceIpGrain(Ip, settings);
        var clock = new TestClock(s_now);
        var state = new SourceIpState();
        var decisions = new List<DecisionOutput>();
        for (var i = 0; i < 4; i++)
        {
            var step = Assess(grain, state, clock.Now, Record(Days.Of(clock.Now), 10, failing: true));
            decisions.Add(Assert.Single(step.Decisions));
            state = grain.Tick(step.State, clock.Set(decisions[^1].ExpiresAt))!.State;
        }

        Assert.Equal([4, 8, 16, 16], decisions.Select(d => d.Ttl.TotalHours));
        Assert.Equal([0, 1, 2, 3], decisions.Select(d => d.RepeatOffences));
        Assert.Equal(4, state.Offences.Count);
    }

    [Fact]
    public void Offences_older_than_the_offence_memory_no_longer_count()
    {
        var settings = ReputationOnly(0.95, Ip) with { Decisions = DecisionSettings.Default with { OffenceMemory = TimeSpan.FromDays(1) } };
        var grain = new SourceIpGrain(Ip, settings);
        var first = Assess(grain, new SourceIpState(), s_now, Record(FirstDay, 10, failing: true));
        var later = s_now.AddDays(2);

        var second = Assess(grain, grain.Tick(first.State, later)!.State, later, Record(FirstDay.AddDays(2), 10, failing: true));

        Assert.Equal((0, TimeSpan.FromHours(4)), (Assert.Single(second.Decisions).RepeatOffences, second.Decisions[0].Ttl));
    }

    [Fact]
    public void Allowlisted_address_is_recorded_as_suppressed_and_never_blocked()
    {
        var settings = PatternOnly(enforce: true) with
        {
            Allowlist = AllowlistEntry.Table([new AllowlistEntry(Networks.Parse("192.0.2.0/24"), "outsourced newsletter relay")]),
        };
        var grain = new SourceIpGrain(Ip, settings);

        var step = Assess(grain, new SourceIpState(), s_now, Record(FirstDay, 5000, failing: true));

        var d = Assert.Single(step.Decisions);
        Assert.Equal((DecisionAction.Block, Severity.Critical), (d.Action, d.Severity));
        Assert.Equal((true, "outsourced newsletter relay"), (d.SuppressedByAllowlist, d.AllowlistReason));
        Assert.EndsWith("allowlisted (outsourced newsletter relay): recorded only, never blocked.", d.Reason);
        Assert.Empty(step.Outbox);
        Assert.Empty(step.Alerts);
        Assert.Empty(step.State.Offences);
    }

    [Fact]
    public void An_analysts_block_is_enforced_even_in_dry_run_and_replaces_the_decision_in_force()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var first = Assess(grain, new SourceIpState(), s_now, Record(FirstDay, 1000, failing: true));
        var automatic = Assert.Single(first.Decisions);

        var step = grain.Block(first.State, new ManualBlockEvent(TimeSpan.FromHours(24), "phishing kit host", "analyst@example.com", false), s_now.AddMinutes(5));

        var d = Assert.Single(step.Decisions);
        Assert.Equal((DecisionAction.Block, DecisionOrigins.Manual, false, Severity.High), (d.Action, d.Origin, d.Simulated, d.Severity));
        Assert.Equal((TimeSpan.FromHours(24), s_now.AddMinutes(5).AddHours(24), automatic.DecisionId), (d.Ttl, d.ExpiresAt, d.Supersedes));
        Assert.Equal("Blocked by analyst@example.com: phishing kit host", d.Reason);
        Assert.Equal(automatic.Score, d.Score);
        var enforce = Assert.Single(step.Outbox);
        Assert.Equal((OutboxChannel.Enforce, OutboxOutput.DecisionBlock), (enforce.Channel, enforce.MessageType));
        Assert.Equal((d.DecisionId, DecisionStatus.Approved, 2L), (step.State.LastDecision!.Decision.DecisionId, step.State.LastDecision.Status, step.State.DecisionSequence));
    }

    [Theory]
    [InlineData(false, true, 0)]
    [InlineData(true, false, 1)]
    public void An_analysts_block_of_an_allowlisted_address_is_only_recorded_unless_the_allowlist_is_bypassed(bool bypass, bool suppressed, int enforced)
    {
        var settings = GrainSettings.Default with
        {
            Allowlist = AllowlistEntry.Table([new AllowlistEntry(Networks.Parse("192.0.2.0/24"), "partner relay")]),
        };

        var step = new SourceIpGrain(Ip, settings).Block(new SourceIpState(), new ManualBlockEvent(TimeSpan.FromHours(1), "abuse", "admin@example.com", bypass), s_now);

        var d = Assert.Single(step.Decisions);
        Assert.Equal((suppressed, DecisionAction.Block), (d.SuppressedByAllowlist, d.Action));
        Assert.Equal(enforced, step.Outbox.Count(o => o.Channel == OutboxChannel.Enforce));
    }

    [Fact]
    public void Decision_scope_is_a_cidr_when_a_prefix_is_configured()
    {
        var v6 = Assert.Single(Decide(ReputationOnly(0.95, "2001:db8:5:6::7"), "2001:db8:5:6::7").Decisions);
        var v4Settings = ReputationOnly(0.95, Ip) with { Decisions = DecisionSettings.Default with { BlockPrefixV4 = 24 } };
        var v4 = Assert.Single(Decide(v4Settings).Decisions);

        Assert.Equal((DecisionScope.Cidr, "2001:db8:5:6::/64"), (v6.Scope, v6.Cidr));
        Assert.Equal((DecisionScope.Cidr, "192.0.2.0/24", Ip), (v4.Scope, v4.Cidr, v4.Ip));
    }

    [Fact]
    public void A_decision_in_force_is_replaced_only_by_a_worse_one()
    {
        var medium = Decide(ReputationOnly(0.55, Ip));
        var sameLayer = Assess(new SourceIpGrain(Ip, ReputationOnly(0.60, Ip)), medium.State, s_now.AddMinutes(10), Record(FirstDay, 5, true));
        var lower = Assess(new SourceIpGrain(Ip, ReputationOnly(0.35, Ip)), medium.State, s_now.AddMinutes(10), Record(FirstDay, 5, true));
        var worse = Assess(new SourceIpGrain(Ip, ReputationOnly(0.75, Ip)), medium.State, s_now.AddMinutes(10), Record(FirstDay, 5, true));

        Assert.Empty(sameLayer.Decisions);
        Assert.Empty(lower.Decisions);
        var escalation = Assert.Single(worse.Decisions);
        Assert.Equal((DecisionAction.Review, medium.Decisions[0].DecisionId), (escalation.Action, escalation.Supersedes));
        Assert.NotEqual(medium.Decisions[0].DecisionId, escalation.DecisionId);
    }

    [Fact]
    public void Tick_expires_a_decision_at_its_ttl_and_changes_nothing_before()
    {
        var grain = new SourceIpGrain(Ip, ReputationOnly(0.95, Ip));
        var decided = Decide(ReputationOnly(0.95, Ip));
        var expiresAt = decided.Decisions[0].ExpiresAt;

        var before = grain.Tick(decided.State, expiresAt.AddTicks(-1));
        var at = grain.Tick(decided.State, expiresAt)!;

        Assert.Null(before);
        Assert.Equal(DecisionStatus.Expired, at.State.LastDecision!.Status);
        Assert.False(at.HasOutputs);
        Assert.Null(grain.Tick(at.State, expiresAt.AddMinutes(15)));
    }

    [Fact]
    public void Reassessment_with_the_same_layer_only_moves_the_next_reassessment()
    {
        var grain = new SourceIpGrain(Ip, ReputationOnly(0.55, Ip));
        var medium = Decide(ReputationOnly(0.55, Ip));

        var step = grain.Tick(medium.State, s_now.AddHours(1))!;

        Assert.False(step.HasOutputs);
        Assert.Equal(s_now.AddHours(2), step.State.LastDecision!.ReassessAt);
        Assert.Null(grain.Tick(step.State, s_now.AddHours(1.5)));
    }

    [Fact]
    public void Reassessment_with_a_changed_layer_makes_a_new_decision()
    {
        var medium = Decide(ReputationOnly(0.55, Ip));
        var grain = new SourceIpGrain(Ip, ReputationOnly(0.35, Ip));

        var step = grain.Tick(medium.State, s_now.AddHours(1))!;

        var d = Assert.Single(step.Decisions);
        Assert.Equal((DecisionAction.Monitor, DecisionOrigins.Reassessment, medium.Decisions[0].DecisionId), (d.Action, d.Origin, d.Supersedes));
    }

    [Fact]
    public void Reassessment_that_clears_a_medium_decision_records_that_nothing_is_to_be_done()
    {
        var medium = Decide(ReputationOnly(0.55, Ip));
        var grain = new SourceIpGrain(Ip, GrainSettings.Default with { Scoring = ReputationOnly(0, Ip).Scoring });

        var d = Assert.Single(grain.Tick(medium.State, s_now.AddHours(1))!.Decisions);

        Assert.Equal((DecisionAction.None, Severity.Info, 0.0), (d.Action, d.Severity, d.Score));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_learned_severity_above_the_rules_decides_again_at_that_severity(bool enforce)
    {
        var settings = ReputationOnly(0.75, Ip, enforce);
        var decided = Decide(settings);
        var high = Assert.Single(decided.Decisions);
        Assert.Equal((DecisionAction.Review, Severity.High), (high.Action, high.Severity));

        var step = new SourceIpGrain(Ip, settings).Escalate(decided.State, new LearnedSeverityEvent(high.DecisionId, Severity.Critical, 0.96, 0.92, 3), s_now.AddMinutes(2));

        var d = Assert.Single(step.Decisions);
        Assert.Equal((DecisionAction.Block, Severity.Critical, DecisionOrigins.Learned, !enforce, high.DecisionId),
            (d.Action, d.Severity, d.Origin, d.Simulated, d.Supersedes));
        Assert.Equal(high.Score, d.Score);
        Assert.StartsWith("Critical by learned severity model 3 (probability 0.960, confidence 0.92), over the rule-based High threat score 0.750 = ", d.Reason);
        Assert.Equal((d.DecisionId, DecisionStatus.Active, 2L), (step.State.LastDecision!.Decision.DecisionId, step.State.LastDecision.Status, step.State.DecisionSequence));
        Assert.Equal(enforce ? 1 : 0, step.Outbox.Count(o => o.Channel == OutboxChannel.Enforce && o.MessageType == OutboxOutput.DecisionBlock && o.Decision == d));
    }

    [Fact]
    public void A_learned_severity_never_lowers_nor_touches_a_reviewed_replaced_or_expired_decision()
    {
        var settings = ReputationOnly(0.75, Ip);
        var grain = new SourceIpGrain(Ip, settings);
        var decided = Decide(settings);
        var id = decided.Decisions[0].DecisionId;
        var approved = grain.Review(decided.State, new DecisionReviewedEvent(id, ReviewOutcome.Approved, "analyst@example.com"), s_now).State;

        GrainStep<SourceIpState>[] steps =
        [
            grain.Escalate(decided.State, new LearnedSeverityEvent(id, Severity.Low, 0.35, 0.3, 1), s_now),
            grain.Escalate(decided.State, new LearnedSeverityEvent(id, Severity.High, 0.75, 0.5, 1), s_now),
            grain.Escalate(decided.State, new LearnedSeverityEvent(Guid.NewGuid(), Severity.Critical, 0.99, 0.98, 1), s_now),
            grain.Escalate(approved, new LearnedSeverityEvent(id, Severity.Critical, 0.99, 0.98, 1), s_now),
            grain.Escalate(decided.State, new LearnedSeverityEvent(id, Severity.Critical, 0.99, 0.98, 1), s_now.AddHours(5)),
        ];

        Assert.All(steps, step => Assert.False(step.HasOutputs));
        Assert.Equal(decided.State, steps[0].State);
        Assert.Equal(approved, steps[3].State);
    }

    [Fact]
    public void Approval_is_followed_by_the_last_decision()
    {
        var decided = Decide(ReputationOnly(0.75, Ip));
        var grain = new SourceIpGrain(Ip, ReputationOnly(0.75, Ip));

        var step = grain.Review(decided.State, new DecisionReviewedEvent(decided.Decisions[0].DecisionId, ReviewOutcome.Approved, "analyst@example.com"), s_now);

        Assert.Equal(DecisionStatus.Approved, step.State.LastDecision!.Status);
        Assert.Single(step.State.Offences);
        Assert.False(step.HasOutputs);
    }

    [Fact]
    public void Dismissal_takes_back_the_offence_and_lifts_an_enforced_block()
    {
        var settings = ReputationOnly(0.95, Ip, enforce: true);
        var decided = Decide(settings);
        var grain = new SourceIpGrain(Ip, settings);

        var step = grain.Review(decided.State, new DecisionReviewedEvent(decided.Decisions[0].DecisionId, ReviewOutcome.Dismissed, "analyst@example.com"), s_now);

        Assert.Equal(DecisionStatus.Dismissed, step.State.LastDecision!.Status);
        Assert.Empty(step.State.Offences);
        var lift = Assert.Single(step.Outbox);
        Assert.Equal((OutboxChannel.Enforce, OutboxOutput.DecisionLift, decided.Decisions[0].DecisionId), (lift.Channel, lift.MessageType, lift.Decision!.DecisionId));
    }

    [Fact]
    public void Dismissal_of_a_simulated_block_lifts_nothing_and_keeps_it_from_coming_back_until_expiry()
    {
        var settings = ReputationOnly(0.95, Ip);
        var grain = new SourceIpGrain(Ip, settings);
        var decided = Decide(settings);
        var dismissed = grain.Review(decided.State, new DecisionReviewedEvent(decided.Decisions[0].DecisionId, ReviewOutcome.Dismissed, "analyst"), s_now);

        var again = Assess(grain, dismissed.State, s_now.AddHours(1), Record(FirstDay, 10, true));

        Assert.Empty(dismissed.Outbox);
        Assert.Empty(again.Decisions);
    }

    [Fact]
    public void Review_of_an_unknown_decision_changes_nothing()
    {
        var decided = Decide(ReputationOnly(0.75, Ip));

        var step = new SourceIpGrain(Ip, GrainSettings.Default).Review(decided.State, new DecisionReviewedEvent(Guid.NewGuid(), ReviewOutcome.Dismissed, "analyst"), s_now);

        Assert.Equal(decided.State.LastDecision, step.State.LastDecision);
        Assert.Equal(decided.State.Offences, step.State.Offences);
    }

    [Fact]
    public void Threat_alert_repeats_while_open_and_notifies_again_after_close_and_cooldown()
    {
        var settings = ReputationOnly(0.75, Ip);
        var grain = new SourceIpGrain(Ip, settings);
        var first = Decide(settings);
        var expiry = first.Decisions[0].ExpiresAt;
        var second = Assess(grain, grain.Tick(first.State, expiry)!.State, expiry, Record(FirstDay, 1, true));

        var repeat = Assert.Single(second.Alerts);
        Assert.Equal((true, 2), (repeat.IsRepeat, repeat.Occurrences));
        Assert.Empty(second.Outbox);

        var closed = grain.CloseAlert(second.State, new AlertClosedEvent(repeat.Fingerprint), expiry).State;
        var thirdAt = second.Decisions[0].ExpiresAt;
        var third = Assess(grain, grain.Tick(closed, thirdAt)!.State, thirdAt, Record(FirstDay, 1, true));

        Assert.Equal((false, 1), (third.Alerts[0].IsRepeat, third.Alerts[0].Occurrences));
        Assert.Single(third.Outbox);
    }

    [Fact]
    public void Decision_ids_derive_from_key_and_sequence()
    {
        Assert.Equal(DecisionMaker.Id(Ip, 1), DecisionMaker.Id(Ip, 1));
        Assert.NotEqual(DecisionMaker.Id(Ip, 1), DecisionMaker.Id(Ip, 2));
        Assert.NotEqual(DecisionMaker.Id(Ip, 1), DecisionMaker.Id("192.0.2.98", 1));
        Assert.Equal(8, DecisionMaker.Id(Ip, 1).Version);
        Assert.Equal(DecisionMaker.Id(Ip, 1), Decide(ReputationOnly(0.95, Ip)).Decisions[0].DecisionId);
    }

    [Fact]
    public void Evidence_keeps_first_and_last_seen_claimed_domains_and_a_rolling_window()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var state = grain.Observe(new SourceIpState(), Record(FirstDay.AddDays(1), 7, failing: true, headerFrom: "Example.COM"), s_now);
        state = grain.Observe(state, Record(FirstDay, 3, failing: false, headerFrom: "shop.example"), s_now);

        Assert.Equal((At(FirstDay), At(FirstDay.AddDays(2)).AddSeconds(-1)), (state.FirstSeen!.Value, state.LastSeen!.Value));
        Assert.Equal(["example.com", "shop.example"], state.Domains.Keys.Order());
        Assert.Equal((7, 7), (state.Domains["example.com"].Messages, state.Domains["example.com"].FailingBoth));
        Assert.Null(state.Domains["shop.example"].LastFailedAt);
        Assert.Equal([(FirstDay, 3L, 0L), (FirstDay.AddDays(1), 7L, 7L)], state.Days.Select(d => (d.Day, d.Messages, d.FailingBoth)));

        var month = grain.Tick(state, At(FirstDay.AddDays(30), 12))!.State;

        Assert.Equal([FirstDay.AddDays(1)], month.Days.Select(d => d.Day));
        Assert.Equal(["example.com"], month.Domains.Keys);
    }

    [Fact]
    public void Grain_key_must_be_an_address()
    {
        Assert.Throws<ArgumentException>(() => new SourceIpGrain("mail.example.com", GrainSettings.Default));
    }
}
