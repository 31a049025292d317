using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Ids;

namespace DmarcSecurity.Grains.Decisions;

/// <summary>
/// The composite threat score of a source IP: five components, each from 0 to 1, weighted (defaults pattern 0.30,
/// context 0.25, history 0.20, reputation 0.15, anomaly 0.10), divided by the sum of the weights and rounded to six
/// decimals, so that a layer boundary is never decided by floating-point noise. Layers: critical ≥ 0.90,
/// high ≥ 0.70, medium ≥ 0.50, low ≥ 0.30, info below. A ratio with nothing to divide is 0; min(1, x) caps a part at 1.
/// </summary>
public static class ThreatScorer
{
    public static ThreatScore Score(ThreatEvidence evidence, ScoringSettings settings)
    {
        var w = settings.Weights;
        var sum = w.Sum;
        ComponentScore Component(double value, double weight, params (string, double)[] inputs) =>
            new(value, weight, sum > 0 ? value * weight / sum : 0, inputs.ToDictionary(i => i.Item1, i => i.Item2, StringComparer.Ordinal));

        var breakdown = new ScoreBreakdown(
            Pattern(evidence, settings, Component, w.Pattern),
            Context(evidence, settings, Component, w.Context),
            History(evidence, settings, Component, w.History),
            Reputation(evidence, Component, w.Reputation),
            Anomaly(evidence, Component, w.Anomaly));
        var total = breakdown.Pattern.Contribution + breakdown.Context.Contribution + breakdown.History.Contribution
            + breakdown.Reputation.Contribution + breakdown.Anomaly.Contribution;
        var score = Math.Round(Math.Clamp(total, 0, 1), 6, MidpointRounding.AwayFromZero);
        return new ThreatScore(score, SeverityLayers.Of(score), breakdown);
    }

    /// <summary>The most the failure reports alone add to the DMARC side of pattern.</summary>
    public const double FailureReportWeight = 0.25;

    /// <summary>Failure reports in the window at which that side is reached.</summary>
    public const int FailureReportSaturation = 20;

    private delegate ComponentScore Make(double value, double weight, params (string, double)[] inputs);

    /// <summary>
    /// Pattern: how much of what the address sends is spoofing, and how grave its IDS alerts are, each trusted more the
    /// more there is of it; the two sides combine as independent evidence: pattern = 1 − (1 − dmarc) × (1 − ids).
    /// dmarc = 1 − (1 − failRatio × volume) × (1 − failureReports), where failRatio = failingBoth ÷ messages and
    /// volume = min(1, ln(1 + failingBoth) ÷ ln(1 + PatternVolumeSaturation)) (default saturation 1000 messages:
    /// 10 failing messages give 0.347, 100 give 0.668, 1000 or more give 1); failureReports =
    /// FailureReportWeight × min(1, ln(1 + reports) ÷ ln(1 + FailureReportSaturation)): each failure report is one
    /// message a receiver saw fail, a modest sign beside the aggregate counts (1 report gives 0.057, 5 give 0.147,
    /// 20 or more give 0.25).
    /// ids = max(gravity × alertVolume, 0.3 × probeVolume), where gravity is 1, 0.7, 0.4 or 0.2 for the highest priority
    /// 1, 2, 3 or 4 (0.4 when no alert gave one), alertVolume = min(1, ln(1 + alerts) ÷ ln(1 + IdsAlertSaturation))
    /// (default 50) and probeVolume = min(1, ln(1 + probes) ÷ ln(1 + IdsProbeSaturation)) (default 1000): scanning
    /// alone stays a weak sign.
    /// </summary>
    private static ComponentScore Pattern(ThreatEvidence e, ScoringSettings s, Make make, double weight)
    {
        var failRatio = Ratio(e.FailingBoth, e.Messages);
        var volume = Math.Min(1, Math.Log(1 + e.FailingBoth) / Math.Log(1 + s.PatternVolumeSaturation));
        var failureReports = FailureReportWeight * Math.Min(1, Math.Log(1 + e.FailureReports) / Math.Log(1 + FailureReportSaturation));
        var dmarc = Either(failRatio * volume, failureReports);
        var gravity = e.IdsAlerts == 0 ? 0 : IdsPriorities.Gravity(e.IdsTopPriority);
        var alertVolume = Math.Min(1, Math.Log(1 + e.IdsAlerts) / Math.Log(1 + s.IdsAlertSaturation));
        var probeVolume = Math.Min(1, Math.Log(1 + e.IdsProbes) / Math.Log(1 + s.IdsProbeSaturation));
        var ids = Math.Max(gravity * alertVolume, 0.3 * probeVolume);
        return make(Either(dmarc, ids), weight,
            ("messages", e.Messages), ("failingBoth", e.FailingBoth), ("failRatio", failRatio), ("volume", volume),
            ("failureReportCount", e.FailureReports), ("failureReports", failureReports), ("dmarc", dmarc),
            ("idsAlerts", e.IdsAlerts), ("idsTopPriority", e.IdsTopPriority ?? 0), ("gravity", gravity), ("alertVolume", alertVolume),
            ("idsProbes", e.IdsProbes), ("probeVolume", probeVolume), ("ids", ids));
    }

    /// <summary>
    /// Context: what receivers did with its mail and how many domains it impersonates, and whether its IDS alerts hit
    /// the protected networks and how widely; combined as pattern is: context = 1 − (1 − dmarc) × (1 − ids).
    /// dmarc = 0.5 × enforced + 0.5 × breadth, where enforced = (quarantined + rejected) ÷ messages and
    /// breadth = min(1, failingDomains ÷ ContextDomainSaturation) (default 5 domains).
    /// ids = protectedShare × (0.5 + 0.5 × spread), where protectedShare = hits on protected networks ÷ hits with a
    /// destination and spread = min(1, distinct destinations ÷ IdsTargetSaturation) (default 10): one protected
    /// server attacked gives 0.55, ten give 1, targets outside the protected networks nothing.
    /// </summary>
    private static ComponentScore Context(ThreatEvidence e, ScoringSettings s, Make make, double weight)
    {
        var enforced = Ratio(e.Quarantined + e.Rejected, e.Messages);
        var breadth = Math.Min(1, Ratio(e.FailingDomains, s.ContextDomainSaturation));
        var dmarc = (0.5 * enforced) + (0.5 * breadth);
        var protectedShare = Ratio(e.IdsProtectedHits, e.IdsTargetHits);
        var spread = Math.Min(1, Ratio(e.IdsTargets, s.IdsTargetSaturation));
        var ids = protectedShare * (0.5 + (0.5 * spread));
        return make(Either(dmarc, ids), weight,
            ("quarantined", e.Quarantined), ("rejected", e.Rejected), ("enforced", enforced),
            ("failingDomains", e.FailingDomains), ("breadth", breadth), ("dmarc", dmarc),
            ("idsTargetHits", e.IdsTargetHits), ("idsProtectedHits", e.IdsProtectedHits), ("protectedShare", protectedShare),
            ("idsTargets", e.IdsTargets), ("spread", spread), ("ids", ids));
    }

    /// <summary>
    /// History: whether it offended before and keeps coming back.
    /// history = 0.5 × offences + 0.5 × persistence, where offences = min(1, priorOffences ÷ HistoryOffenceSaturation)
    /// (default 3; an offence is an earlier high or critical decision, not dismissed, not allowlisted, within the
    /// offence memory) and persistence = min(1, hostileDays ÷ HistoryDaySaturation) (default 14 days), a hostile day
    /// being one with failing mail or IDS alerts or probes.
    /// </summary>
    private static ComponentScore History(ThreatEvidence e, ScoringSettings s, Make make, double weight)
    {
        var offences = Math.Min(1, Ratio(e.PriorOffences, s.HistoryOffenceSaturation));
        var hostileDays = Math.Max(e.FailingDays, e.HostileDays);
        var persistence = Math.Min(1, Ratio(hostileDays, s.HistoryDaySaturation));
        return make((0.5 * offences) + (0.5 * persistence), weight,
            ("priorOffences", e.PriorOffences), ("offences", offences), ("failingDays", e.FailingDays), ("hostileDays", hostileDays),
            ("persistence", persistence));
    }

    /// <summary>
    /// Reputation: the score (0..1) of the most specific block of the reputation list that holds the address
    /// (a block listed twice keeps its worse score); 0 when unlisted, and 0 when the address is allowlisted.
    /// </summary>
    private static ComponentScore Reputation(ThreatEvidence e, Make make, double weight)
    {
        var listed = Math.Clamp(e.ListedReputation ?? 0, 0, 1);
        return make(e.Allowlisted ? 0 : listed, weight, ("listed", listed), ("allowlisted", e.Allowlisted ? 1 : 0));
    }

    /// <summary>Anomaly: the anomaly detector's latest score for the address (0..1); 0 until the detector scored it.</summary>
    private static ComponentScore Anomaly(ThreatEvidence e, Make make, double weight)
    {
        var anomaly = Math.Clamp(e.Anomaly ?? 0, 0, 1);
        return make(anomaly, weight, ("anomaly", anomaly));
    }

    /// <summary>Two independent signs, either of which may be present: 1 − (1 − a) × (1 − b).</summary>
    private static double Either(double a, double b) => b == 0 ? a : a == 0 ? b : 1 - ((1 - a) * (1 - b));

    private static double Ratio(double part, double whole) => whole > 0 ? part / whole : 0;
}
