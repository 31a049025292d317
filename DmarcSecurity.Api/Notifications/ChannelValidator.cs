namespace DmarcSecurity.Api.Notifications;

/// <summary>What makes a channel's settings usable, checked alike for a channel declared in configuration (at start, the
/// message naming the setting) and for one an Admin adds or changes through the API (a 400 naming the field).</summary>
internal static class ChannelValidator
{
    public const int MinimumSecretLength = 32;

    public const int MaxListItems = 100;

    /// <summary>Reports each bad setting to <paramref name="fail"/>: the setting's name (<c>Url</c>, <c>Secret</c>, ...) and a
    /// message that starts with <paramref name="prefix"/> (<c>Notifications:Channels:soc:</c> for configuration, empty for
    /// the API).</summary>
    public static void Check(ChannelSettings settings, string prefix, Action<string, string> fail)
    {
        if (!Enum.IsDefined(settings.Kind))
        {
            fail(nameof(settings.Kind), $"{prefix}Kind must be one of {string.Join(", ", Enum.GetNames<ChannelKind>())}.");
        }
        else if (settings.Kind == ChannelKind.Email)
        {
            EmailChannelValidator.Check(settings, prefix, fail);
        }
        else if (!IsAllowedUrl(settings.Url))
        {
            fail(nameof(settings.Url), $"{prefix}Url must be an absolute https address (http only to this machine).");
        }

        if (settings.Kind == ChannelKind.Webhook && settings.Secret is not { Length: >= MinimumSecretLength })
        {
            fail(nameof(settings.Secret), $"{prefix}Secret must be at least {MinimumSecretLength} characters for a Webhook channel.");
        }

        if (settings.PermitsPerMinute is < 1 or > 10_000)
        {
            fail(nameof(settings.PermitsPerMinute), $"{prefix}PermitsPerMinute must be between 1 and 10000.");
        }

        if (!Enum.IsDefined(settings.MinimumSeverity))
        {
            fail(nameof(settings.MinimumSeverity), $"{prefix}MinimumSeverity must be one of {string.Join(", ", Enum.GetNames<Severity>())}.");
        }

        var badDomain = settings.Domains.FirstOrDefault(d => !DomainName.TryNormalise(d, out _));
        if (settings.Domains.Count > MaxListItems)
        {
            fail(nameof(settings.Domains), $"{prefix}Domains may name at most {MaxListItems} domains.");
        }
        else if (badDomain is not null)
        {
            fail(nameof(settings.Domains), $"{prefix}Domains: '{badDomain}' is not a domain name such as example.com.");
        }

        var badRule = settings.Rules.FirstOrDefault(r => !IsRulePattern(r));
        if (settings.Rules.Count > MaxListItems)
        {
            fail(nameof(settings.Rules), $"{prefix}Rules may name at most {MaxListItems} rules.");
        }
        else if (badRule is not null)
        {
            fail(nameof(settings.Rules), $"{prefix}Rules: '{badRule}' is not an alert rule key such as source.threat (or a prefix such as domain.*).");
        }
    }

    /// <summary>https anywhere; http only to this machine (a relay or a test receiver), never in clear across a network.</summary>
    public static bool IsAllowedUrl(Uri? url) =>
        url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));

    /// <summary>A rule key as the silo names its rules (<c>domain.failure-spike</c>), optionally ending in <c>*</c> for every
    /// rule that starts so.</summary>
    public static bool IsRulePattern(string? rule)
    {
        if (string.IsNullOrEmpty(rule) || rule.Length > 100)
        {
            return false;
        }

        var key = rule.EndsWith('*') ? rule[..^1] : rule;
        return (key.Length > 0 || rule == "*") && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
    }

    /// <summary>Whether <paramref name="rule"/> (an alert's rule key) is one of <paramref name="patterns"/>; no patterns: any
    /// rule, and no rule at all.</summary>
    public static bool RuleMatches(IReadOnlyList<string> patterns, string? rule) =>
        patterns.Count == 0 || (rule is { Length: > 0 } && patterns.Any(p => p.EndsWith('*')
            ? rule.StartsWith(p[..^1], StringComparison.OrdinalIgnoreCase)
            : rule.Equals(p, StringComparison.OrdinalIgnoreCase)));
}
