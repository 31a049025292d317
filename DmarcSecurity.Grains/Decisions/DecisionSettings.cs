namespace DmarcSecurity.Grains.Decisions;

public sealed record DecisionSettings
{
    public static DecisionSettings Default { get; } = new();

    /// <summary>False (the default) is dry-run: decisions are recorded as simulated and nothing goes to enforcement.</summary>
    public bool Enforce { get; init; }

    /// <summary>TTL of a first decision.</summary>
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Cap of the TTL, which doubles with each earlier offence.</summary>
    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How long after a medium decision the address is scored again.</summary>
    public TimeSpan ReassessAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long an offence counts toward the TTL and the history component.</summary>
    public TimeSpan OffenceMemory { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Days of DMARC evidence a source-IP grain keeps and scores on.</summary>
    public int EvidenceDays { get; init; } = 30;

    /// <summary>Domains a source-IP grain remembers; the least recently seen are forgotten first.</summary>
    public int MaxClaimedDomains { get; init; } = 500;

    /// <summary>Null: an IPv4 decision covers the address alone; otherwise its block of this many bits.</summary>
    public int? BlockPrefixV4 { get; init; }

    /// <summary>Null: an IPv6 decision covers the address alone. 64 by default, because an IPv6 host picks its
    /// addresses freely inside its /64.</summary>
    public int? BlockPrefixV6 { get; init; } = 64;
}
