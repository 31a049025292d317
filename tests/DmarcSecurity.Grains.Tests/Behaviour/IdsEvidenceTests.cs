using System.Net;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Settings;
using DmarcSecurity.Grains.Sources;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Behaviour;

/// <summary>IDS evidence in the source-IP grain: what it keeps, how it scores beside DMARC evidence, what it decides.</summary>
public class IdsEvidenceTests
{
    private const string Ip = "203.0.113.7";
    private static readonly DateTimeOffset s_now = Arrival(FirstDay);

    private static IdsEvidenceEvent Ids(
        DateOnly day, long alerts, int? priority, params (string Ip, long Count)[] targets) =>
        new(1, day, At(day, 1), At(day, 2), alerts, priority, Probes: 0, Connections: 0,
            [new IdsSignatureCount("ET EXPLOIT Apache Struts RCE", "1:2024217:3", "Attempted Administrator Privilege Gain", priority, alerts)],
            [.. targets.Select(t => new IdsTargetCount(t.Ip, t.Count))], targets.Sum(t => t.Count), targets.Length);

    private static GrainSettings Protecting(string network) => GrainSettings.Default with
    {
        ProtectedNetworks = ProtectedNetwork.Table([IPNetwork.Parse(network)]),
    };

    [Fact]
    public void A_day_of_alerts_is_kept_with_its_signatures_and_which_targets_are_protected()
    {
        var grain = new SourceIpGrain(Ip, Protecting("198.51.100.0/24"));

        var state = grain.Observe(new SourceIpState(), Ids(FirstDay, 30, 2, ("198.51.100.10", 20), ("192.0.2.50", 10)), s_now);
        state = grain.Observe(state, Ids(FirstDay, 10, 1, ("198.51.100.10", 10)), s_now);

        var day = Assert.Single(state.IdsDays);
        Assert.Equal(new SourceIdsDay(FirstDay, 40, 1, 0, 0, 40, 30, 2), day);
        var signature = Assert.Single(state.Signatures);
        Assert.Equal(("1:2024217:3", 40L, (int?)1, At(FirstDay, 2)), (signature.SignatureId, signature.Count, signature.Priority, signature.LastSeen));
        Assert.Equal(
            [("198.51.100.10", 30L, true), ("192.0.2.50", 10L, false)],
            state.Targets.Select(t => (t.Ip, t.Count, t.Protected)));
        Assert.Equal((At(FirstDay, 1), At(FirstDay, 2)), (state.FirstSeen, state.LastSeen));
    }

    [Fact]
    public void Without_protected_networks_every_target_is_ours()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);

        var state = grain.Observe(new SourceIpState(), Ids(FirstDay, 5, 3, ("192.0.2.50", 5)), s_now);

        Assert.Equal(5, Assert.Single(state.IdsDays).ProtectedHits);
        Assert.True(Assert.Single(state.Targets).Protected);
    }

    [Fact]
    public void Hits_beyond_the_listed_targets_are_judged_in_proportion()
    {
        var grain = new SourceIpGrain(Ip, Protecting("198.51.100.0/24"));
        // 100 hits in all; the two listed targets took 40 of them, 30 on a protected one: 3/4 of 100 are protected.
        var ids = Ids(FirstDay, 100, 2, ("198.51.100.10", 30), ("192.0.2.50", 10)) with { TargetHits = 100, DistinctTargets = 60 };

        var day = Assert.Single(grain.Observe(new SourceIpState(), ids, s_now).IdsDays);

        Assert.Equal((100L, 75L, 60), (day.TargetHits, day.ProtectedHits, day.DistinctTargets));
    }

    [Fact]
    public void IDS_pattern_and_context_follow_their_documented_formulas()
    {
        var evidence = new ThreatEvidence(0, 0, 0, 0, 0, 0, 0, null, null, false, null)
        {
            IdsAlerts = 10, IdsTopPriority = 2, IdsTargetHits = 10, IdsProtectedHits = 5, IdsTargets = 2, IdsProbes = 100, HostileDays = 7,
        };

        var b = ThreatScorer.Score(evidence, ScoringSettings.Default).Breakdown;

        Assert.Equal(Math.Max(0.7 * Math.Log(11) / Math.Log(51), 0.3 * Math.Log(101) / Math.Log(1001)), b.Pattern.Value, 12);
        Assert.Equal(0.5 * (0.5 + 0.5 * 0.2), b.Context.Value, 12);
        Assert.Equal(0.5 * 7 / 14.0, b.History.Value, 12);
        Assert.Equal(0.7, b.Pattern.Inputs["gravity"]);
        Assert.Equal(0.5, b.Context.Inputs["protectedShare"]);
    }

    [Fact]
    public void DMARC_and_IDS_signs_combine_as_independent_evidence()
    {
        var dmarcOnly = new ThreatEvidence(100, 50, 0, 0, 1, 1, 0, null, null, false, null);
        var both = dmarcOnly with { IdsAlerts = 3, IdsTopPriority = 3, IdsTargetHits = 3, IdsProtectedHits = 3, IdsTargets = 1 };

        var a = ThreatScorer.Score(dmarcOnly, ScoringSettings.Default).Breakdown;
        var b = ThreatScorer.Score(both, ScoringSettings.Default).Breakdown;

        var ids = 0.4 * Math.Log(4) / Math.Log(51);
        Assert.Equal(1 - ((1 - a.Pattern.Value) * (1 - ids)), b.Pattern.Value, 12);
        Assert.Equal(1 - ((1 - a.Context.Value) * (1 - 0.55)), b.Context.Value, 12);
    }

    /// <summary>The README's worked example: fourteen days of spoofing of five domains from a listed address that the
    /// anomaly detector flags and that was decided on once before. On its DMARC evidence alone it stays high; with IDS
    /// alerts of priority 1 against ten protected servers it is critical.</summary>
    [Fact]
    public void Strong_evidence_from_both_sides_reaches_critical_where_one_side_stays_high()
    {
        var dmarcOnly = new ThreatEvidence(42_000, 42_000, 0, 0, 5, 14, 1, 0.9, "feed", false, 1.0);
        var both = dmarcOnly with { IdsAlerts = 200, IdsTopPriority = 1, IdsTargetHits = 200, IdsProtectedHits = 200, IdsTargets = 10, HostileDays = 14 };

        var one = ThreatScorer.Score(dmarcOnly, ScoringSettings.Default);
        var two = ThreatScorer.Score(both, ScoringSettings.Default);

        // 0.30 × 1 + 0.25 × 0.5 + 0.20 × (0.5 × 1/3 + 0.5 × 1) + 0.15 × 0.9 + 0.10 × 1
        Assert.Equal((0.793333, Severity.High), (one.Score, one.Severity));
        // The context reaches 1: 0.30 + 0.25 + 0.133333 + 0.135 + 0.10
        Assert.Equal((0.918333, Severity.Critical), (two.Score, two.Severity));
    }

    /// <summary>The README's first two worked examples: a day of spoofing as five domains, without and with IDS alerts
    /// against two protected servers.</summary>
    [Fact]
    public void A_day_of_spoofing_is_low_and_with_IDS_alerts_on_two_protected_servers_medium()
    {
        var dmarcOnly = new ThreatEvidence(3000, 3000, 0, 0, 5, 1, 0, null, null, false, null);
        var both = dmarcOnly with { IdsAlerts = 60, IdsTopPriority = 1, IdsTargetHits = 60, IdsProtectedHits = 60, IdsTargets = 2, HostileDays = 1 };

        var one = ThreatScorer.Score(dmarcOnly, ScoringSettings.Default);
        var two = ThreatScorer.Score(both, ScoringSettings.Default);

        Assert.Equal((0.432143, Severity.Low), (one.Score, one.Severity));
        Assert.Equal((0.507143, Severity.Medium), (two.Score, two.Severity));
        Assert.Equal(0.8, two.Breakdown.Context.Value, 12);
    }

    [Fact]
    public void A_batch_of_DMARC_records_and_IDS_evidence_makes_one_decision_whose_reason_names_both()
    {
        var settings = GrainSettings.Default with { Scoring = ScoringSettings.Default with { Weights = new ScoringWeights(0.5, 0.5, 0, 0, 0) } };
        var grain = new SourceIpGrain(Ip, settings);

        var state = grain.Observe(new SourceIpState(), Record(FirstDay, 3000, failing: true), s_now);
        state = grain.Observe(state, Ids(FirstDay, 60, 1, ("198.51.100.10", 40), ("198.51.100.11", 20)), s_now);
        var step = grain.Assess(state, s_now);

        var d = Assert.Single(step.Decisions);
        Assert.Equal(Severity.Critical, d.Severity);
        Assert.Contains("3000 of 3000 messages failed DKIM and SPF alignment", d.Reason);
        Assert.Contains("IDS: 60 alert(s), highest priority 1, 60 of 60 hit(s) on protected networks, 2 target(s)", d.Reason);
    }

    [Fact]
    public void IDS_evidence_leaves_the_window_with_its_day_and_its_signatures_and_targets()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var state = grain.Observe(new SourceIpState(), Ids(FirstDay, 5, 2, ("198.51.100.10", 5)), s_now);

        var later = grain.Tick(state with { Assessment = null }, s_now.AddDays(DecisionSettings.Default.EvidenceDays + 2))!.State;

        Assert.Empty(later.IdsDays);
        Assert.Empty(later.Signatures);
        Assert.Empty(later.Targets);
    }

    [Fact]
    public void An_anomaly_score_is_kept_unless_an_older_day_arrives_late()
    {
        var state = SourceIpGrain.Observe(new SourceIpState(), new AnomalyScoredEvent(FirstDay.AddDays(1), 0.8, "iforest-3"));
        state = SourceIpGrain.Observe(state, new AnomalyScoredEvent(FirstDay, 0.1, "iforest-2"));

        Assert.Equal((0.8, FirstDay.AddDays(1), "iforest-3"), (state.AnomalyScore, state.AnomalyDay, state.AnomalyModel));
    }
}
