using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;

namespace DmarcSecurity.Grains.Tests.Behaviour;

public class ThreatScorerTests
{
    private static readonly ThreatEvidence s_spoofer = new(
        Messages: 200, FailingBoth: 150, Quarantined: 40, Rejected: 100, FailingDomains: 2, FailingDays: 3,
        PriorOffences: 1, ListedReputation: 0.8, ReputationSource: "feed", Allowlisted: false, Anomaly: null);

    private static ThreatScore Score(ThreatEvidence evidence, ScoringWeights? weights = null) =>
        ThreatScorer.Score(evidence, ScoringSettings.Default with { Weights = weights ?? ScoringWeights.Default });

    [Fact]
    public void Components_follow_their_documented_formulas()
    {
        var b = Score(s_spoofer).Breakdown;

        Assert.Equal(0.75 * Math.Log(151) / Math.Log(1001), b.Pattern.Value, 12);
        Assert.Equal(0.5 * (140 / 200.0) + 0.5 * (2 / 5.0), b.Context.Value, 12);
        Assert.Equal(0.5 * (1 / 3.0) + 0.5 * (3 / 14.0), b.History.Value, 12);
        Assert.Equal(0.8, b.Reputation.Value, 12);
        Assert.Equal(0, b.Anomaly.Value);
    }

    [Fact]
    public void Score_is_the_weighted_sum_rounded_to_six_decimals()
    {
        var score = Score(s_spoofer);

        // 0.30 × 0.544665 + 0.25 × 0.55 + 0.20 × 0.273810 + 0.15 × 0.8 + 0.10 × 0
        Assert.Equal(0.475662, score.Score);
        Assert.Equal(Severity.Low, score.Severity);
        Assert.Equal(0.30 * 0.5446654278246317, score.Breakdown.Pattern.Contribution, 12);
        Assert.Equal(0.30, score.Breakdown.Pattern.Weight);
    }

    [Fact]
    public void Components_carry_their_inputs()
    {
        var b = Score(s_spoofer).Breakdown;

        Assert.Equal(150, b.Pattern.Inputs["failingBoth"]);
        Assert.Equal(0.75, b.Pattern.Inputs["failRatio"]);
        Assert.Equal(0.7, b.Context.Inputs["enforced"], 12);
        Assert.Equal(2, b.Context.Inputs["failingDomains"]);
        Assert.Equal(1, b.History.Inputs["priorOffences"]);
        Assert.Equal(0.8, b.Reputation.Inputs["listed"]);
        Assert.Equal(0, b.Reputation.Inputs["allowlisted"]);
    }

    [Theory]
    [InlineData(10, 0.347081)]
    [InlineData(100, 0.668010)]
    [InlineData(1000, 1.0)]
    [InlineData(50_000, 1.0)]
    public void Pattern_volume_grows_on_a_log_scale_up_to_the_saturation(long failing, double expected)
    {
        var evidence = s_spoofer with { Messages = failing, FailingBoth = failing };

        Assert.Equal(expected, Score(evidence).Breakdown.Pattern.Value, 6);
    }

    [Fact]
    public void A_hostile_source_with_everything_against_it_is_critical_even_without_anomaly_detection()
    {
        var evidence = new ThreatEvidence(5000, 5000, 1000, 4000, 6, 14, 3, 1.0, "feed", false, null);

        var score = Score(evidence);

        Assert.Equal(0.9, score.Score);
        Assert.Equal(Severity.Critical, score.Severity);
    }

    [Fact]
    public void No_evidence_scores_zero()
    {
        var score = Score(new ThreatEvidence(0, 0, 0, 0, 0, 0, 0, null, null, false, null));

        Assert.Equal(0, score.Score);
        Assert.Equal(Severity.Info, score.Severity);
    }

    [Fact]
    public void Allowlisted_address_has_no_reputation_whatever_the_list_says()
    {
        var b = Score(s_spoofer with { Allowlisted = true }).Breakdown;

        Assert.Equal(0, b.Reputation.Value);
        Assert.Equal(1, b.Reputation.Inputs["allowlisted"]);
    }

    [Fact]
    public void Anomaly_counts_once_the_detector_gives_a_score()
    {
        Assert.Equal(0.475662 + 0.10 * 0.6, Score(s_spoofer with { Anomaly = 0.6 }).Score, 6);
    }

    [Fact]
    public void Weights_are_divided_by_their_sum()
    {
        var doubled = new ScoringWeights(0.6, 0.5, 0.4, 0.3, 0.2);
        var patternOnly = new ScoringWeights(2, 0, 0, 0, 0);

        Assert.Equal(Score(s_spoofer).Score, Score(s_spoofer, doubled).Score);
        Assert.Equal(Math.Round(0.75 * Math.Log(151) / Math.Log(1001), 6), Score(s_spoofer, patternOnly).Score);
    }

    [Theory]
    [InlineData(1.0, Severity.Critical)]
    [InlineData(0.90, Severity.Critical)]
    [InlineData(0.899999, Severity.High)]
    [InlineData(0.70, Severity.High)]
    [InlineData(0.699999, Severity.Medium)]
    [InlineData(0.50, Severity.Medium)]
    [InlineData(0.30, Severity.Low)]
    [InlineData(0.299999, Severity.Info)]
    [InlineData(0.0, Severity.Info)]
    public void Severity_layers_have_inclusive_lower_bounds(double score, Severity expected)
    {
        Assert.Equal(expected, SeverityLayers.Of(score));
    }

    [Theory]
    [InlineData(Severity.Critical, DecisionAction.Block)]
    [InlineData(Severity.High, DecisionAction.Review)]
    [InlineData(Severity.Medium, DecisionAction.Reassess)]
    [InlineData(Severity.Low, DecisionAction.Monitor)]
    [InlineData(Severity.Info, DecisionAction.None)]
    public void Each_layer_has_its_action(Severity severity, DecisionAction action)
    {
        Assert.Equal(action, SeverityLayers.ActionFor(severity));
    }
}
