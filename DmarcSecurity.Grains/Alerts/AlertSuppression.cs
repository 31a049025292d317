using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Alerts;

/// <summary>A window during which matching alerts are not raised (nor counted as repeats).</summary>
/// <param name="Value">The domain, the address or CIDR block, or the rule key.</param>
/// <param name="End">Exclusive; null for until removed.</param>
public sealed record AlertSuppression(SuppressionScope Scope, string Value, DateTimeOffset Start, DateTimeOffset? End, string Reason)
{
    public bool IsActive(DateTimeOffset now) => Start <= now && (End is null || now < End);

    public bool Matches(string ruleKey, string? domain, string? ip) => Scope switch
    {
        SuppressionScope.Rule => string.Equals(Value.Trim(), ruleKey, StringComparison.Ordinal),
        SuppressionScope.Domain => domain is not null && IsSameOrSubdomain(domain, Value),
        SuppressionScope.Network => Networks.TryParseAddress(ip, out var address)
            && Networks.TryParse(Value, out var network) && Networks.Contains(network, address),
        _ => false,
    };

    private static bool IsSameOrSubdomain(string domain, string suppressed)
    {
        var d = domain.Trim().TrimEnd('.');
        var s = suppressed.Trim().TrimEnd('.');
        return s.Length > 0 && (d.Equals(s, StringComparison.OrdinalIgnoreCase)
            || d.EndsWith("." + s, StringComparison.OrdinalIgnoreCase));
    }
}
