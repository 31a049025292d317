using System.Globalization;
using System.Net;

namespace DmarcSecurity.Core.Posture;

/// <summary>One mechanism of an SPF record: qualifier (<c>+ - ~ ?</c>), name, and its domain or network.</summary>
/// <param name="Target">The domain-spec or address; null when the mechanism names none (<c>a</c>, <c>mx</c>, <c>all</c>).</param>
public sealed record SpfMechanism(char Qualifier, string Name, string? Target, string Text)
{
    /// <summary>Mechanisms that cost a DNS lookup (RFC 7208 section 4.6.4).</summary>
    public bool CountsAsLookup => Name is "include" or "a" or "mx" or "ptr" or "exists";
}

/// <summary>An SPF record's terms; <paramref name="Redirect"/> and <paramref name="Exp"/> are the modifiers' values.</summary>
public sealed record SpfRecord(string Text, IReadOnlyList<SpfMechanism> Mechanisms, string? Redirect, string? Exp, IReadOnlyList<PostureFinding> Findings)
{
    /// <summary>The <c>all</c> mechanism, if any.</summary>
    public SpfMechanism? All => Mechanisms.FirstOrDefault(m => m.Name == "all");
}

/// <summary>Parses an SPF record (RFC 7208 section 4.6) and judges what can be judged without DNS.</summary>
public static class SpfRecordParser
{
    private static readonly HashSet<string> s_mechanisms = ["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"];

    /// <summary>True when <paramref name="text"/> is an SPF record: <c>v=spf1</c> alone or followed by a space.</summary>
    public static bool IsSpf(string text) =>
        text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    public static SpfRecord Parse(string text)
    {
        var findings = new List<PostureFinding>();
        var mechanisms = new List<SpfMechanism>();
        string? redirect = null, exp = null;
        var terms = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!IsSpf(text))
        {
            findings.Add(PostureFinding.Error("spf.version", "The record does not start with v=spf1."));
        }

        var afterAll = false;
        foreach (var term in terms.Skip(IsSpf(text) ? 1 : 0))
        {
            var equals = term.IndexOf('=', StringComparison.Ordinal);
            var colon = term.IndexOfAny([':', '/']);
            if (equals > 0 && (colon < 0 || equals < colon))
            {
                var name = term[..equals].ToLowerInvariant();
                var value = term[(equals + 1)..];
                if (name is "redirect" or "exp")
                {
                    if ((name == "redirect" ? redirect : exp) is not null)
                    {
                        findings.Add(PostureFinding.Error("spf.duplicate-modifier", $"The {name}= modifier appears more than once (a permanent error)."));
                    }
                    else if (!IsDomainSpec(value))
                    {
                        findings.Add(PostureFinding.Error("spf.syntax", $"{name}={TagList.Quote(value, 60)} is not a domain."));
                    }
                    else if (name == "redirect")
                    {
                        redirect = value;
                    }
                    else
                    {
                        exp = value;
                    }
                }
                else if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || !char.IsAsciiLetter(name.FirstOrDefault()))
                {
                    findings.Add(PostureFinding.Error("spf.syntax", $"'{TagList.Quote(term, 60)}' is not a valid term."));
                }

                continue;
            }

            var qualifier = term[0] is '+' or '-' or '~' or '?' ? term[0] : '+';
            var body = term[0] is '+' or '-' or '~' or '?' ? term[1..] : term;
            var split = body.IndexOfAny([':', '/']);
            var mechanism = (split < 0 ? body : body[..split]).ToLowerInvariant();
            var argument = split < 0 ? null : body[split] == ':' ? body[(split + 1)..] : body[split..];
            if (!s_mechanisms.Contains(mechanism))
            {
                findings.Add(PostureFinding.Error("spf.syntax", $"'{TagList.Quote(term, 60)}' is not an SPF mechanism (a permanent error for receivers)."));
                continue;
            }

            if (Invalid(mechanism, argument) is { } problem)
            {
                findings.Add(PostureFinding.Error("spf.syntax", $"'{TagList.Quote(term, 60)}': {problem}."));
                continue;
            }

            if (afterAll)
            {
                findings.Add(PostureFinding.Warning("spf.after-all", $"'{TagList.Quote(term, 60)}' comes after all and is never used."));
            }

            afterAll |= mechanism == "all";
            if (mechanism == "ptr")
            {
                findings.Add(PostureFinding.Warning("spf.ptr", "The ptr mechanism is slow and unreliable; RFC 7208 says not to use it."));
            }

            mechanisms.Add(new SpfMechanism(qualifier, mechanism, argument, term));
        }

        var all = mechanisms.FirstOrDefault(m => m.Name == "all");
        if (all is { Qualifier: '+' })
        {
            findings.Add(PostureFinding.Error("spf.pass-all", "+all lets every server on the internet pass SPF for the domain."));
        }
        else if (all is { Qualifier: '?' })
        {
            findings.Add(PostureFinding.Warning("spf.neutral-all", "?all (neutral) says nothing about servers not listed."));
        }
        else if (all is null && redirect is null)
        {
            findings.Add(PostureFinding.Warning("spf.no-all", "No all mechanism and no redirect: servers not listed get a neutral result."));
        }

        if (all is not null && redirect is not null)
        {
            findings.Add(PostureFinding.Warning("spf.redirect-ignored", "redirect= is ignored because the record has an all mechanism."));
        }

        return new SpfRecord(text, mechanisms, redirect, exp, findings);
    }

    private static string? Invalid(string mechanism, string? argument)
    {
        switch (mechanism)
        {
            case "all":
                return argument is null ? null : "all takes no argument";
            case "include" or "exists":
                return argument is { } d && argument.Length > 0 && !argument.StartsWith('/') && IsDomainSpec(d) ? null : $"{mechanism} needs a domain";
            case "ip4" or "ip6":
                if (argument is null || argument.StartsWith('/'))
                {
                    return $"{mechanism} needs an address";
                }

                var slash = argument.IndexOf('/', StringComparison.Ordinal);
                var address = slash < 0 ? argument : argument[..slash];
                var family = mechanism == "ip4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
                if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != family || (mechanism == "ip4" && address.Count(c => c == '.') != 3))
                {
                    return $"'{TagList.Quote(address, 40)}' is not an {(mechanism == "ip4" ? "IPv4" : "IPv6")} address";
                }

                return slash < 0 || (int.TryParse(argument[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && bits <= (mechanism == "ip4" ? 32 : 128))
                    ? null
                    : "the prefix length is out of range";
            default:
                // a, mx, ptr: an optional domain-spec, then optional dual CIDR lengths.
                if (argument is null)
                {
                    return null;
                }

                var cidr = argument.IndexOf('/', StringComparison.Ordinal);
                var domain = cidr < 0 ? argument : argument[..cidr];
                return domain.Length == 0 || IsDomainSpec(domain) ? null : $"'{TagList.Quote(domain, 40)}' is not a domain";
        }
    }

    /// <summary>A domain-spec: a host name, possibly with macros (<c>%{i}</c>).</summary>
    private static bool IsDomainSpec(string value) =>
        value.Length is > 0 and <= 253 && value.All(c => c > ' ' && c < 0x7f) && !value.StartsWith('.') && value.Contains('.', StringComparison.Ordinal);

    /// <summary>True when the domain-spec holds macros, which depend on the message being checked.</summary>
    public static bool HasMacros(string value) => value.Contains('%', StringComparison.Ordinal);
}
