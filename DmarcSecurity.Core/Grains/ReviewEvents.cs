namespace DmarcSecurity.Core.Grains;

/// <summary>An analyst resolved an alert; the grain forgets its open fingerprint so the next occurrence is new.</summary>
public sealed record AlertClosedEvent(string Fingerprint);

public enum ReviewOutcome
{
    Approved,
    Dismissed,
}

/// <summary>An analyst reviewed a decision; the source-IP grain's last decision follows the outcome.</summary>
public sealed record DecisionReviewedEvent(Guid DecisionId, ReviewOutcome Outcome, string ReviewedBy);

/// <summary>An analyst blocks the address for <paramref name="Duration"/>: the source-IP grain makes an enforced block
/// decision (origin manual), unless the address is allowlisted and <paramref name="BypassAllowlist"/> (Admins only) is off.</summary>
public sealed record ManualBlockEvent(TimeSpan Duration, string Reason, string By, bool BypassAllowlist);

/// <summary>The learned-severity model rates decision <paramref name="DecisionId"/> <paramref name="Severity"/>, above
/// the rule-based severity, and an Admin let that model decide: the source-IP grain decides again at that severity if
/// the decision is still the one in force and nobody reviewed it.</summary>
/// <param name="Probability">The model's probability that analysts would confirm the decision.</param>
public sealed record LearnedSeverityEvent(Guid DecisionId, Severity Severity, double Probability, double Confidence, int ModelVersion);
