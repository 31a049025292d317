using DmarcSecurity.Grains.Alerts;

namespace DmarcSecurity.Grains.Decisions;

/// <summary>A decision on a source IP.</summary>
/// <param name="DecisionId">Derived from the grain key and the grain's decision sequence, so a retried batch makes
/// the same id.</param>
/// <param name="Cidr">The block the decision covers: the address itself (/32, /128) for <see cref="DecisionScope.Ip"/>.</param>
/// <param name="ReassessAt">For <see cref="DecisionAction.Reassess"/>: when the grain scores the address again.</param>
/// <param name="Simulated">True in dry-run mode: nothing is enforced.</param>
/// <param name="SuppressedByAllowlist">The address is allowlisted: recorded, never blocked, nobody notified.</param>
/// <param name="RepeatOffences">Earlier offences counted for the TTL (each doubles it, up to the cap).</param>
/// <param name="Supersedes">The decision this one replaces, when one was still in force.</param>
public sealed record DecisionOutput(
    Guid DecisionId,
    string Ip,
    DecisionScope Scope,
    string Cidr,
    DecisionAction Action,
    Severity Severity,
    double Score,
    ScoreBreakdown Breakdown,
    TimeSpan Ttl,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? ReassessAt,
    string Origin,
    string Reason,
    bool Simulated,
    bool SuppressedByAllowlist,
    string? AllowlistReason,
    int RepeatOffences,
    Guid? Supersedes);
