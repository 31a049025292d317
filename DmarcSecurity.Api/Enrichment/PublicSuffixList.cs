using System.Globalization;

namespace DmarcSecurity.Api.Enrichment;

/// <summary>
/// The Public Suffix List (publicsuffix.org) as its format says: normal rules, wildcard rules (<c>*.ck</c>) and
/// exceptions (<c>!www.ck</c>); the longest matching rule wins, an exception beats the wildcard it carves out of, and a
/// name no rule covers has its last label as public suffix. Rules are compared in their ASCII (punycode) form, the form
/// reverse DNS answers come in. Both the ICANN and the private sections count: a PTR under a hosting suffix
/// (<c>compute.amazonaws.com</c>) belongs to the customer it names, not to the host.
/// </summary>
public sealed class PublicSuffixList
{
    private static readonly IdnMapping s_idn = new();
    private readonly HashSet<string> _rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wildcards = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exceptions = new(StringComparer.Ordinal);

    private PublicSuffixList()
    {
    }

    public int RuleCount => _rules.Count + _wildcards.Count + _exceptions.Count;

    public static PublicSuffixList Load(string path)
    {
        using var reader = File.OpenText(path);
        return Parse(reader);
    }

    public static PublicSuffixList Parse(TextReader reader)
    {
        var list = new PublicSuffixList();
        while (reader.ReadLine() is { } line)
        {
            // A rule is the first whitespace-free run of a line; comments start with //.
            var rule = line.Trim();
            var space = rule.IndexOfAny([' ', '\t']);
            if (space >= 0)
            {
                rule = rule[..space];
            }

            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            if (!rule.All(char.IsAscii) && !IsValidName(rule.TrimStart('!', '*', '.')))
            {
                continue;
            }

            if (rule.StartsWith('!'))
            {
                list._exceptions.Add(Ascii(rule[1..]));
            }
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
            {
                list._wildcards.Add(Ascii(rule[2..]));
            }
            else
            {
                list._rules.Add(Ascii(rule));
            }
        }

        return list;
    }

    /// <summary>The registrable domain of <paramref name="name"/> (its public suffix and one label more), lower case,
    /// or null when the name is itself a public suffix or not a usable host name.</summary>
    public string? RegistrableDomain(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        string host;
        try
        {
            host = Ascii(name.Trim().TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return null;
        }

        var labels = host.Split('.');
        if (labels.Any(l => l.Length == 0))
        {
            return null;
        }

        var suffixLabels = SuffixLength(labels);
        return labels.Length > suffixLabels ? string.Join('.', labels[^(suffixLabels + 1)..]) : null;
    }

    /// <summary>How many trailing labels of the name form its public suffix.</summary>
    private int SuffixLength(string[] labels)
    {
        for (var i = 0; i < labels.Length; i++)
        {
            var suffix = string.Join('.', labels[i..]);
            if (_exceptions.Contains(suffix))
            {
                return labels.Length - i - 1;
            }

            if (_rules.Contains(suffix))
            {
                return labels.Length - i;
            }

            if (i + 1 < labels.Length && _wildcards.Contains(string.Join('.', labels[(i + 1)..])))
            {
                return labels.Length - i;
            }
        }

        return 1;
    }

    private static bool IsValidName(string name)
    {
        try
        {
            s_idn.GetAscii(name.ToLowerInvariant());
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Ascii(string name)
    {
        var lower = name.ToLowerInvariant();
        return lower.All(char.IsAscii) ? lower : s_idn.GetAscii(lower);
    }
}
