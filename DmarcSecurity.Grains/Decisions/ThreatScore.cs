using DmarcSecurity.Grains.Alerts;

namespace DmarcSecurity.Grains.Decisions;

/// <summary>What the scorer knows of a source IP.</summary>
/// <param name="Messages">Messages in the evidence window.</param>
/// <param name="FailingBoth">Of those, messages that failed both DKIM and SPF alignment.</param>
/// <param name="Quarantined">Messages the receivers quarantined.</param>
/// <param name="Rejected">Messages the receivers rejected.</param>
/// <param name="FailingDomains">Domains it sent failing mail as, in the window.</param>
/// <param name="FailingDays">Days with failing mail, in the window.</param>
/// <param name="PriorOffences">Earlier high or critical decisions still remembered (not dismissed, not allowlisted).</param>
/// <param name="ListedReputation">Score of the most specific reputation-list block holding the address, if any.</param>
/// <param name="ReputationSource">Where that list entry came from.</param>
/// <param name="Anomaly">The anomaly detector's score, once there is one.</param>
public sealed record ThreatEvidence(
    long Messages,
    long FailingBoth,
    long Quarantined,
    long Rejected,
    int FailingDomains,
    int FailingDays,
    int PriorOffences,
    double? ListedReputation,
    string? ReputationSource,
    bool Allowlisted,
    double? Anomaly)
{
    /// <summary>DMARC failure reports (RFC 6591) about its messages in the evidence window.</summary>
    public long FailureReports { get; init; }

    /// <summary>Messages that failed DMARC through a forwarder or mailing list (the receiver said so, or the address is
    /// a <see cref="KnownForwarder"/>), in the window: shown, and not counted in <see cref="FailingBoth"/>, so a
    /// forwarder is not scored as a spoofer.</summary>
    public long Forwarded { get; init; }

    /// <summary>The forwarding service the address is known as (<see cref="Sources.SourceIpState.KnownForwarder"/>), or null.</summary>
    public string? KnownForwarder { get; init; }

    /// <summary>IDS signature alerts and notices in the evidence window.</summary>
    public long IdsAlerts { get; init; }

    /// <summary>The highest priority among them, 1 highest; null when none gave one.</summary>
    public int? IdsTopPriority { get; init; }

    /// <summary>Refused or unanswered connection attempts in the window.</summary>
    public long IdsProbes { get; init; }

    /// <summary>Alerts and probes that named a destination, and of those the ones against the protected networks.</summary>
    public long IdsTargetHits { get; init; }

    public long IdsProtectedHits { get; init; }

    /// <summary>Distinct destinations hit.</summary>
    public int IdsTargets { get; init; }

    /// <summary>Days with failing mail or IDS alerts or probes, in the window.</summary>
    public int HostileDays { get; init; }
}

/// <param name="Value">The component, 0..1.</param>
/// <param name="Weight">Its weight as configured.</param>
/// <param name="Contribution">Its share of the score: value × weight ÷ sum of weights.</param>
/// <param name="Inputs">The numbers it was computed from, by name.</param>
public sealed record ComponentScore(double Value, double Weight, double Contribution, IReadOnlyDictionary<string, double> Inputs);

public sealed record ScoreBreakdown(
    ComponentScore Pattern, ComponentScore Context, ComponentScore History, ComponentScore Reputation, ComponentScore Anomaly);

public sealed record ThreatScore(double Score, Severity Severity, ScoreBreakdown Breakdown);
