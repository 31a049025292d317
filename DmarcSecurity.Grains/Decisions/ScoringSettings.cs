namespace DmarcSecurity.Grains.Decisions;

/// <summary>Weights of the five components of the threat score. They need not add up to 1: the score divides by
/// their sum, so it always stays between 0 and 1.</summary>
public sealed record ScoringWeights(double Pattern, double Context, double History, double Reputation, double Anomaly)
{
    public static ScoringWeights Default { get; } = new(0.30, 0.25, 0.20, 0.15, 0.10);

    public double Sum => Pattern + Context + History + Reputation + Anomaly;
}

/// <summary>The knobs of <see cref="ThreatScorer"/>; each saturation is the input at which its part reaches 1.</summary>
public sealed record ScoringSettings
{
    public static ScoringSettings Default { get; } = new();

    public ScoringWeights Weights { get; init; } = ScoringWeights.Default;

    /// <summary>Failing messages at which the pattern's volume factor reaches 1 (log scale).</summary>
    public double PatternVolumeSaturation { get; init; } = 1000;

    /// <summary>Domains claimed with failing mail at which the context's breadth reaches 1.</summary>
    public double ContextDomainSaturation { get; init; } = 5;

    /// <summary>Earlier offences at which the history's offence part reaches 1.</summary>
    public double HistoryOffenceSaturation { get; init; } = 3;

    /// <summary>Days with failing mail at which the history's persistence part reaches 1.</summary>
    public double HistoryDaySaturation { get; init; } = 14;

    /// <summary>IDS alerts at which the IDS pattern's volume factor reaches 1 (log scale).</summary>
    public double IdsAlertSaturation { get; init; } = 50;

    /// <summary>Refused or unanswered connection attempts at which the probing part reaches its cap (log scale).</summary>
    public double IdsProbeSaturation { get; init; } = 1000;

    /// <summary>Distinct destinations at which the IDS context's spread reaches 1.</summary>
    public double IdsTargetSaturation { get; init; } = 10;
}
