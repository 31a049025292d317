using DmarcSecurity.Core.Ids;

namespace DmarcSecurity.Core.Anomaly;

/// <summary>What one source address did on one day, from its DMARC records and its IDS logs.</summary>
public sealed record SourceDayEvidence(
    long Messages,
    long FailingBoth,
    long Quarantined,
    long Rejected,
    int ClaimedDomains,
    long IdsAlerts,
    int? TopPriority,
    long Probes,
    long TargetHits,
    long ProtectedHits,
    int DistinctTargets);

/// <summary>
/// The anomaly detectors' view of a source-day: counts on a log scale (so a mailing platform's million messages and a
/// home router's three are comparable), ratios as they are, the IDS priority as its gravity. The detector learns what
/// ordinary source-days look like from all of them and flags the ones that stand apart.
/// </summary>
public static class SourceDayFeatures
{
    public static readonly IReadOnlyList<string> Names =
    [
        "log messages", "failing share", "log failing", "enforced share", "log claimed domains",
        "log IDS alerts", "IDS gravity", "log probes", "protected share", "log targets",
    ];

    public static double[] Of(SourceDayEvidence e) =>
    [
        Math.Log(1 + e.Messages),
        Ratio(e.FailingBoth, e.Messages),
        Math.Log(1 + e.FailingBoth),
        Ratio(e.Quarantined + e.Rejected, e.Messages),
        Math.Log(1 + e.ClaimedDomains),
        Math.Log(1 + e.IdsAlerts),
        e.IdsAlerts == 0 ? 0 : IdsPriorities.Gravity(e.TopPriority),
        Math.Log(1 + e.Probes),
        Ratio(e.ProtectedHits, e.TargetHits),
        Math.Log(1 + e.DistinctTargets),
    ];

    /// <summary>
    /// The anomaly component from an Isolation Forest score s: 0 up to 0.5 (s ≤ 0.5 means "no distinct anomaly" in the
    /// algorithm's own terms), then rising linearly to 1 at s = 0.75 and above: (s − 0.5) ÷ 0.25, clamped to 0..1.
    /// </summary>
    public static double AnomalyOf(double isolationScore) => Math.Clamp((isolationScore - 0.5) / 0.25, 0, 1);

    private static double Ratio(double part, double whole) => whole > 0 ? part / whole : 0;
}
