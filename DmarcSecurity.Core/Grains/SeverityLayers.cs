namespace DmarcSecurity.Core.Grains;

/// <summary>The fixed severity layers of the threat score (and of the learned severity's probability).</summary>
public static class SeverityLayers
{
    public const double Critical = 0.90;
    public const double High = 0.70;
    public const double Medium = 0.50;
    public const double Low = 0.30;

    public static Severity Of(double score) => score switch
    {
        >= Critical => Severity.Critical,
        >= High => Severity.High,
        >= Medium => Severity.Medium,
        >= Low => Severity.Low,
        _ => Severity.Info,
    };

    /// <summary>critical: block and notify; high: analyst review and notify; medium: reassess later; low: monitor.</summary>
    public static DecisionAction ActionFor(Severity severity) => severity switch
    {
        Severity.Critical => DecisionAction.Block,
        Severity.High => DecisionAction.Review,
        Severity.Medium => DecisionAction.Reassess,
        Severity.Low => DecisionAction.Monitor,
        _ => DecisionAction.None,
    };
}
