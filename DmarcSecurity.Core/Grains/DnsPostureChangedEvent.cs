namespace DmarcSecurity.Core.Grains;

/// <summary>A DNS posture check of the domain found its published records or findings changed since the check before.</summary>
/// <param name="CheckId">The stored check that found the change.</param>
/// <param name="Changes">What changed, a sentence each (<c>DMARC policy p: reject -> none</c>).</param>
/// <param name="Posture">A fingerprint of the new posture: the same new posture found again is the same alert.</param>
/// <param name="Weakened">True when a change made the domain weaker (a policy lowered, a record or key gone, a new error).</param>
public sealed record DnsPostureChangedEvent(long CheckId, DateTimeOffset CheckedAt, IReadOnlyList<string> Changes, string Posture, bool Weakened);
