using System.Globalization;

namespace DmarcSecurity.Core.Posture;

/// <summary>A reporting URI of a DMARC record (<c>rua</c>/<c>ruf</c>).</summary>
/// <param name="Domain">The mailbox's domain, lower case, for <c>mailto:</c> URIs; null otherwise.</param>
/// <param name="SizeLimit">The <c>!size</c> suffix, when given.</param>
public sealed record DmarcReportUri(string Uri, string? Domain, string? SizeLimit);

/// <summary>A DMARC record as RFC 7489 reads it; the values are null when the record does not say (or says something
/// invalid, which <see cref="Findings"/> then names).</summary>
public sealed record DmarcRecord(
    string Text, string? P, string? Sp, string? Np, int? Pct, string? Adkim, string? Aspf,
    IReadOnlyList<DmarcReportUri> Rua, IReadOnlyList<DmarcReportUri> Ruf, string? Fo, long? Ri,
    IReadOnlyList<PostureFinding> Findings)
{
    /// <summary>The policy for subdomains: sp, else p.</summary>
    public string? EffectiveSp => Sp ?? P;
}

/// <summary>Parses and judges a DMARC record (RFC 7489 section 6.3, with np from RFC 9091).</summary>
public static class DmarcRecordParser
{
    private static readonly string[] s_policies = ["none", "quarantine", "reject"];
    private static readonly HashSet<string> s_known = ["v", "p", "sp", "np", "pct", "adkim", "aspf", "rua", "ruf", "fo", "rf", "ri", "t", "psd"];

    /// <summary>True when <paramref name="text"/> is meant as a DMARC record (starts with <c>v=DMARC1</c>).</summary>
    public static bool IsDmarc(string text) =>
        TagList.Split(text) is [("v", { } v), ..] && v.Equals("DMARC1", StringComparison.Ordinal);

    /// <param name="organisationalDomain">True when the record is the policy of an organisational domain, where p is
    /// required (a subdomain's own record may lean on its parent's).</param>
    public static DmarcRecord Parse(string text, bool organisationalDomain = true)
    {
        var findings = new List<PostureFinding>();
        var tags = TagList.Split(text);
        if (tags is not [("v", "DMARC1"), ..])
        {
            findings.Add(PostureFinding.Error("dmarc.version", "The record does not start with v=DMARC1, so receivers ignore it."));
        }

        string? p = null, sp = null, np = null, adkim = null, aspf = null, fo = null;
        int? pct = null;
        long? ri = null;
        IReadOnlyList<DmarcReportUri> rua = [], ruf = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in tags)
        {
            if (value is null)
            {
                findings.Add(PostureFinding.Error("dmarc.syntax", $"'{TagList.Quote(name, 40)}' is not a tag=value pair."));
                continue;
            }

            if (!seen.Add(name))
            {
                findings.Add(PostureFinding.Error("dmarc.duplicate-tag", $"The tag {name} appears more than once."));
                continue;
            }

            switch (name)
            {
                case "v":
                    break;
                case "p":
                    p = Policy(name, value, findings);
                    break;
                case "sp":
                    sp = Policy(name, value, findings);
                    break;
                case "np":
                    np = Policy(name, value, findings);
                    break;
                case "pct":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var percent) && percent <= 100)
                    {
                        pct = percent;
                    }
                    else
                    {
                        findings.Add(PostureFinding.Error("dmarc.pct", $"pct={TagList.Quote(value, 20)} is not a whole number from 0 to 100."));
                    }

                    break;
                case "adkim" or "aspf":
                    if (value is "r" or "s")
                    {
                        (name == "adkim" ? ref adkim : ref aspf) = value;
                    }
                    else
                    {
                        findings.Add(PostureFinding.Error($"dmarc.{name}", $"{name}={TagList.Quote(value, 20)} is neither r (relaxed) nor s (strict)."));
                    }

                    break;
                case "rua":
                    rua = Uris(name, value, findings);
                    break;
                case "ruf":
                    ruf = Uris(name, value, findings);
                    break;
                case "fo":
                    if (value.Split(':').All(o => o.Trim() is "0" or "1" or "d" or "s"))
                    {
                        fo = value;
                    }
                    else
                    {
                        findings.Add(PostureFinding.Error("dmarc.fo", $"fo={TagList.Quote(value, 20)}: failure options are 0, 1, d and s, separated by colons."));
                    }

                    break;
                case "ri":
                    if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var interval) && interval <= uint.MaxValue)
                    {
                        ri = interval;
                    }
                    else
                    {
                        findings.Add(PostureFinding.Error("dmarc.ri", $"ri={TagList.Quote(value, 20)} is not a number of seconds."));
                    }

                    break;
                case "rf":
                    if (!value.Split(':').All(f => f.Trim().Equals("afrf", StringComparison.OrdinalIgnoreCase)))
                    {
                        findings.Add(PostureFinding.Warning("dmarc.rf", $"rf={TagList.Quote(value, 20)}: afrf is the only failure report format."));
                    }

                    break;
                default:
                    if (!s_known.Contains(name))
                    {
                        findings.Add(PostureFinding.Warning("dmarc.unknown-tag", $"Unknown tag '{TagList.Quote(name, 40)}' (receivers ignore it; a typo?)."));
                    }

                    break;
            }
        }

        Judge(p, sp, np, pct, rua, organisationalDomain, seen.Contains("p"), findings);
        return new DmarcRecord(text, p, sp, np, pct, adkim, aspf, rua, ruf, fo, ri, findings);
    }

    private static void Judge(
        string? p, string? sp, string? np, int? pct, IReadOnlyList<DmarcReportUri> rua, bool organisational,
        bool hasP, List<PostureFinding> findings)
    {
        if (!hasP && organisational)
        {
            findings.Add(PostureFinding.Error("dmarc.p-missing", "The record has no p= tag: the policy is required for an organisational domain."));
        }

        switch (p)
        {
            case "none":
                findings.Add(PostureFinding.Warning("dmarc.p-none", "p=none: failing mail is only monitored, not quarantined or rejected."));
                break;
            case "quarantine":
                findings.Add(PostureFinding.Ok("dmarc.p", "p=quarantine: failing mail goes to spam."));
                break;
            case "reject":
                findings.Add(PostureFinding.Ok("dmarc.p", "p=reject: failing mail is refused."));
                break;
        }

        if (p is "quarantine" or "reject" && sp == "none")
        {
            findings.Add(PostureFinding.Warning("dmarc.sp-none", "sp=none: subdomains are only monitored, weaker than the domain's own policy."));
        }

        if (p is "quarantine" or "reject" && np == "none")
        {
            findings.Add(PostureFinding.Warning("dmarc.np-none", "np=none: names that do not exist are only monitored."));
        }

        if (pct is < 100)
        {
            findings.Add(PostureFinding.Warning("dmarc.pct", $"pct={pct}: the policy applies to {pct}% of failing mail only."));
        }

        if (rua.Count == 0)
        {
            findings.Add(PostureFinding.Warning("dmarc.no-rua", "No rua=: no aggregate reports are asked for, so nobody sees who sends as the domain."));
        }

    }

    private static bool IsSize(string size) =>
        size.Length > 0 && char.IsAsciiDigit(size[0]) && size.TrimStart("0123456789".ToCharArray()).ToLowerInvariant() is "" or "k" or "m" or "g" or "t";

    private static string? Policy(string name, string value, List<PostureFinding> findings)
    {
        var lower = value.ToLowerInvariant();
        if (s_policies.Contains(lower))
        {
            return lower;
        }

        findings.Add(PostureFinding.Error($"dmarc.{name}", $"{name}={TagList.Quote(value, 20)} is not none, quarantine or reject."));
        return null;
    }

    private static List<DmarcReportUri> Uris(string name, string value, List<PostureFinding> findings)
    {
        var uris = new List<DmarcReportUri>();
        foreach (var raw in value.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0)
            {
                findings.Add(PostureFinding.Error($"dmarc.{name}", $"{name}= has an empty URI (a stray comma)."));
                continue;
            }

            // A size limit follows the last '!': mailto:dmarc@example.com!10m.
            string? size = null;
            var bang = item.LastIndexOf('!');
            if (bang > 0)
            {
                size = item[(bang + 1)..];
                item = item[..bang];
                if (!IsSize(size))
                {
                    findings.Add(PostureFinding.Error($"dmarc.{name}", $"{name}: '{TagList.Quote(size, 20)}' is not a size limit (a number with k, m, g or t)."));
                }
            }

            if (item.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
            {
                var address = Uri.UnescapeDataString(item["mailto:".Length..]);
                var at = address.LastIndexOf('@');
                var domain = at > 0 ? address[(at + 1)..].Trim().TrimEnd('.').ToLowerInvariant() : "";
                if (at <= 0 || domain.Length == 0 || !domain.Contains('.', StringComparison.Ordinal) || domain.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.')))
                {
                    findings.Add(PostureFinding.Error($"dmarc.{name}", $"{name}: '{TagList.Quote(item, 60)}' is not a mailto: address."));
                    continue;
                }

                uris.Add(new DmarcReportUri(item, domain, size));
            }
            else if (Uri.TryCreate(item, UriKind.Absolute, out var other))
            {
                findings.Add(PostureFinding.Warning($"dmarc.{name}", $"{name}: '{TagList.Quote(item, 60)}' is a {other.Scheme}: URI; receivers are only required to send to mailto:."));
                uris.Add(new DmarcReportUri(item, null, size));
            }
            else
            {
                findings.Add(PostureFinding.Error($"dmarc.{name}", $"{name}: '{TagList.Quote(item, 60)}' is not a URI (mailto:address expected)."));
            }
        }

        return uris;
    }
}
