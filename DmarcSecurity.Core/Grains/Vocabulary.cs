namespace DmarcSecurity.Core.Grains;

/// <summary>Shared by alerts and decisions; ordered so that a higher value is worse. Stored as text by name.</summary>
public enum Severity
{
    Info = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

/// <summary>What a decision asks for, from nothing to a block. Stored as text by name.</summary>
public enum DecisionAction
{
    /// <summary>Info: nothing to do (only recorded when a reassessment clears a medium decision).</summary>
    None,
    Monitor,
    Reassess,
    Review,
    Block,
}

/// <summary>What a decision covers: the address alone, or its block.</summary>
public enum DecisionScope
{
    Ip,
    Cidr,
}

/// <summary>What an alert suppression matches. Stored as text by name.</summary>
public enum SuppressionScope
{
    /// <summary>The domain and its subdomains.</summary>
    Domain,

    /// <summary>An IP address or CIDR block.</summary>
    Network,

    /// <summary>A rule key.</summary>
    Rule,
}

/// <summary>Where the evidence that led to a decision came from. Stored as the decision's origin.</summary>
public static class DecisionOrigins
{
    public const string Dmarc = "dmarc";
    public const string Reassessment = "reassessment";

    /// <summary>An analyst's block: enforced even while the grains' own decisions are simulated.</summary>
    public const string Manual = "manual";

    /// <summary>The learned-severity model raised a decision's severity, once an Admin let its model decide.</summary>
    public const string Learned = "learned";
}
