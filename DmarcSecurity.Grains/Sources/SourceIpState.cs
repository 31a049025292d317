using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;

namespace DmarcSecurity.Grains.Sources;

/// <summary>What a source-IP grain remembers. Fields are only ever added with defaults; a change of shape that old
/// code could not read bumps <see cref="CurrentVersion"/>.</summary>
public sealed record SourceIpState
{
    public const int CurrentVersion = 1;

    private readonly IReadOnlyList<SourceFailureDay> _failureDays = [];

    public int Version { get; init; } = CurrentVersion;

    /// <summary>Earliest report window start it appeared in.</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>Latest report window end it appeared in.</summary>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>DMARC evidence per day, oldest first, for the evidence window.</summary>
    public IReadOnlyList<SourceDay> Days { get; init; } = [];

    /// <summary>Domains it sent as (header_from), lower-case, seen in the evidence window.</summary>
    public IReadOnlyDictionary<string, ClaimedDomain> Domains { get; init; } = new Dictionary<string, ClaimedDomain>();

    /// <summary>DMARC failure reports (RFC 6591) naming the address, per day of arrival, oldest first, for the evidence
    /// window. Empty in states stored before failure reports were counted: the generated reader hands a missing
    /// init-only member its default (null), so the setter puts the empty list back.</summary>
    public IReadOnlyList<SourceFailureDay> FailureDays { get => _failureDays; init => _failureDays = value ?? []; }

    /// <summary>IDS evidence per day, oldest first, for the evidence window.</summary>
    public IReadOnlyList<SourceIdsDay> IdsDays { get; init; } = [];

    /// <summary>Its most frequent IDS signatures in the evidence window, at most <see cref="SourceEvidence.MaxSignatures"/>.</summary>
    public IReadOnlyList<SeenSignature> Signatures { get; init; } = [];

    /// <summary>The destinations its IDS alerts and probes hit most in the evidence window, at most
    /// <see cref="SourceEvidence.MaxTargets"/>.</summary>
    public IReadOnlyList<SeenTarget> Targets { get; init; } = [];

    /// <summary>The forwarding service the address is known as (a verified known forwarder of the services map), or
    /// null: then its DMARC failures, and the failure reports naming it, are the forwarding's, not evidence against it.
    /// Its IDS evidence still counts.</summary>
    public string? KnownForwarder { get; init; }

    /// <summary>The anomaly detector's latest score (0..1) for the address; the anomaly component is 0 until one.</summary>
    public double? AnomalyScore { get; init; }

    /// <summary>The day and model of <see cref="AnomalyScore"/>.</summary>
    public DateOnly? AnomalyDay { get; init; }

    public string? AnomalyModel { get; init; }

    /// <summary>High and critical decisions within the offence memory (not dismissed, not allowlisted).</summary>
    public IReadOnlyList<Offence> Offences { get; init; } = [];

    /// <summary>The threat score on the current evidence, computed whenever the evidence changed (every batch of
    /// records, and a tick that let evidence go); null until the first records arrive.</summary>
    public SourceAssessment? Assessment { get; init; }

    public DecisionRecord? LastDecision { get; init; }

    /// <summary>Decisions made so far; the next decision id derives from it.</summary>
    public long DecisionSequence { get; init; }

    public AlertBook Alerts { get; init; } = AlertBook.Empty;
}

/// <param name="FailingBoth">Messages that failed both DKIM and SPF alignment, not counting forwarded ones.</param>
/// <param name="Forwarded">Messages that failed both, with the receiver naming a forwarder as the reason (mailing list,
/// forwarder): the forwarder's path, not evidence against the address. 0 in states stored before it was counted.</param>
public sealed record SourceDay(DateOnly Day, long Messages, long FailingBoth, long None, long Quarantine, long Reject, long Forwarded = 0);

/// <param name="Reports">Failure reports about messages from the address that arrived on that day.</param>
public sealed record SourceFailureDay(DateOnly Day, long Reports);

/// <param name="Alerts">Signature alerts and notices.</param>
/// <param name="TopPriority">The highest priority among them, 1 highest.</param>
/// <param name="Probes">Refused or unanswered connection attempts.</param>
/// <param name="TargetHits">Alerts and probes that named a destination.</param>
/// <param name="ProtectedHits">Of those, the ones whose destination is in the protected networks (all of them when none
/// are configured), judged by the most hit destinations the ingestion passed on.</param>
public sealed record SourceIdsDay(DateOnly Day, long Alerts, int? TopPriority, long Probes, long Connections, long TargetHits, long ProtectedHits, int DistinctTargets);

public sealed record SeenSignature(string Signature, string? SignatureId, string? Classification, int? Priority, long Count, DateTimeOffset LastSeen);

/// <param name="Protected">In the protected networks when it was first seen.</param>
public sealed record SeenTarget(string Ip, long Count, bool Protected, DateTimeOffset LastSeen);

public sealed record ClaimedDomain(DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Messages, long FailingBoth, DateTimeOffset? LastFailedAt);

public sealed record Offence(Guid DecisionId, DateTimeOffset At);

/// <summary>The score with its five components, as assessed at <paramref name="At"/>; a decision is made only when it
/// reaches a new layer, so this is usually newer than the last decision's score.</summary>
public sealed record SourceAssessment(DateTimeOffset At, ThreatScore Score);

public enum DecisionStatus
{
    Active,
    Approved,
    Dismissed,
    Expired,
}

/// <summary>The last decision and where it stands.</summary>
/// <param name="ReassessAt">Next reassessment of a medium decision.</param>
public sealed record DecisionRecord(DecisionOutput Decision, DecisionStatus Status, DateTimeOffset? ReassessAt)
{
    /// <summary>In force: not expired. A dismissed decision stays in force too, so the same finding is not put before
    /// the analyst again until it expires; only a worse one is.</summary>
    public bool InForce(DateTimeOffset now) => Status != DecisionStatus.Expired && now < Decision.ExpiresAt;
}
