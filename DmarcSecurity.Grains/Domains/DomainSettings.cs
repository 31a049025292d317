namespace DmarcSecurity.Grains.Domains;

public sealed record DomainSettings
{
    public static DomainSettings Default { get; } = new();

    /// <summary>Days of per-day counts a domain grain keeps.</summary>
    public int RetentionDays { get; init; } = 90;

    /// <summary>EWMA weight of a new day in the failure-rate baseline: baseline = α × day + (1 − α) × baseline.</summary>
    public double BaselineAlpha { get; init; } = 0.2;

    /// <summary>Days a day waits for late reports before it is folded into the baseline; until then it is "today"
    /// for the spike rule.</summary>
    public int BaselineSettleDays { get; init; } = 2;

    /// <summary>Days with fewer messages are left out of the baseline: their rate is noise.</summary>
    public long BaselineMinMessages { get; init; } = 10;

    /// <summary>Known senders kept; those that passed longest ago are forgotten first.</summary>
    public int MaxKnownSenders { get; init; } = 10_000;
}
