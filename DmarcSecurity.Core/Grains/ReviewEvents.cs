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
