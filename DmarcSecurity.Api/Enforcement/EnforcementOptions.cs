namespace DmarcSecurity.Api.Enforcement;

/// <summary>Enforcement (section <c>Enforcement</c>): bouncers declared for automated deployments, beside those an
/// Admin creates.</summary>
public sealed class EnforcementOptions
{
    public const string SectionName = "Enforcement";

    /// <summary>The minimum length of a declared bouncer key.</summary>
    public const int MinimumKeyLength = 32;

    /// <summary><c>Enforcement__Bouncers__&lt;name&gt;__ApiKey</c>: the key that bouncer sends as <c>X-Api-Key</c>.</summary>
    public Dictionary<string, BouncerSettings> Bouncers { get; set; } = new(StringComparer.Ordinal);
}

public sealed class BouncerSettings
{
    public string? ApiKey { get; set; }
}
