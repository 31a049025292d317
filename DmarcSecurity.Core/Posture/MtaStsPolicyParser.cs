using System.Globalization;
using DmarcSecurity.Core.Addresses;

namespace DmarcSecurity.Core.Posture;

/// <summary>An MTA-STS policy file as RFC 8461 section 3.2 reads it; values are null (or empty) when the file does not
/// say, or says something invalid, which <see cref="Findings"/> then names.</summary>
/// <param name="Mode"><c>enforce</c>, <c>testing</c> or <c>none</c>, lower case.</param>
/// <param name="Mx">The <c>mx</c> patterns in order, lower case, each once: host names or <c>*.</c> + host name.</param>
/// <param name="MaxAge">Seconds a sender may cache the policy.</param>
public sealed record MtaStsPolicy(string? Version, string? Mode, IReadOnlyList<string> Mx, long? MaxAge, IReadOnlyList<PostureFinding> Findings)
{
    /// <summary>The MX hosts of <paramref name="hosts"/> no pattern of <see cref="Mx"/> matches, in their order.</summary>
    public IReadOnlyList<string> Unmatched(IEnumerable<string> hosts) =>
        [.. hosts.Where(h => !Mx.Any(p => MtaStsPolicyParser.Matches(p, h)))];
}

/// <summary>Parses and judges an MTA-STS policy file (RFC 8461 section 3.2). Lines end with CRLF as the RFC says; a bare
/// LF is accepted too, since many servers write it and senders read it. Keys and the literal values (<c>STSv1</c>,
/// the modes) are compared without regard to case, as ABNF strings are (RFC 5234 section 2.3). Unknown keys (extensions)
/// are ignored and named in one ok finding. Hostile text (binary, huge lines, many lines) ends in findings, never an
/// exception.</summary>
public static class MtaStsPolicyParser
{
    /// <summary>RFC 8461 section 3.2: max_age is at most 31557600 seconds (about a year).</summary>
    public const long MaxMaxAge = 31_557_600;

    /// <summary>Lines read at most; a policy has four or five, a long MX list a few dozen.</summary>
    public const int MaxLines = 1000;

    /// <summary>Characters of one line read at most; the longest valid line is an mx of 255 characters.</summary>
    public const int MaxLineLength = 1000;

    /// <summary>Syntax problems named one by one; past this many they are counted in one more finding.</summary>
    public const int MaxProblems = 10;

    private static readonly string[] s_modes = ["enforce", "testing", "none"];

    public static MtaStsPolicy Parse(string text)
    {
        var findings = new List<PostureFinding>();
        // U+FFFD stands for bytes that were not UTF-8.
        if (text.Any(c => (char.IsControl(c) && c is not ('\r' or '\n' or '\t')) || c == '\uFFFD'))
        {
            findings.Add(PostureFinding.Error("mta-sts.policy-binary", "The policy file is not text (it holds control characters or binary bytes): senders cannot read it."));
            return new MtaStsPolicy(null, null, [], null, findings);
        }

        // A final line end is allowed; a CR without its LF is not a line end.
        var lines = text.Split('\n');
        if (lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }

        if (lines.Length == 0)
        {
            findings.Add(PostureFinding.Error("mta-sts.policy-empty", "The policy file is empty."));
            return new MtaStsPolicy(null, null, [], null, findings);
        }

        var problems = new List<PostureFinding>();
        var skipped = 0;
        void Problem(PostureFinding finding)
        {
            if (problems.Count < MaxProblems)
            {
                problems.Add(finding);
            }
            else
            {
                skipped++;
            }
        }

        string? version = null, mode = null;
        long? maxAge = null;
        var mx = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var extensions = new List<string>();
        var crlf = 0;
        for (var i = 0; i < lines.Length && i < MaxLines; i++)
        {
            var line = lines[i];
            if (line.EndsWith('\r'))
            {
                line = line[..^1];
                crlf++;
            }

            var number = i + 1;
            if (line.Length > MaxLineLength)
            {
                Problem(PostureFinding.Error("mta-sts.policy-syntax", $"Line {number} is {line.Length:N0} characters long; no policy line needs more than {MaxLineLength:N0}. It was not read."));
                continue;
            }

            if (line.Trim().Length == 0)
            {
                Problem(PostureFinding.Error("mta-sts.policy-syntax", $"Line {number} is empty; a policy has no empty lines."));
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                Problem(PostureFinding.Error("mta-sts.policy-syntax", $"Line {number} '{TagList.Quote(line, 60)}' is not a key: value pair."));
                continue;
            }

            var key = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (i == 0 && key != "version")
            {
                Problem(PostureFinding.Error("mta-sts.policy-version", "The policy does not start with version: STSv1, so senders refuse it."));
            }

            if (key is "version" or "mode" or "max_age" && !seen.Add(key))
            {
                Problem(PostureFinding.Error("mta-sts.policy-duplicate", $"The key {key} appears more than once (line {number}); senders may refuse the policy."));
                continue;
            }

            switch (key)
            {
                case "version":
                    if (i != 0)
                    {
                        Problem(PostureFinding.Error("mta-sts.policy-version", $"version: is on line {number}; it must be the first line."));
                    }

                    if (value.Equals("STSv1", StringComparison.OrdinalIgnoreCase))
                    {
                        version = "STSv1";
                    }
                    else
                    {
                        Problem(PostureFinding.Error("mta-sts.policy-version", $"version: '{TagList.Quote(value, 40)}' is not STSv1."));
                    }

                    break;
                case "mode":
                    mode = s_modes.FirstOrDefault(m => m.Equals(value, StringComparison.OrdinalIgnoreCase));
                    if (mode is null)
                    {
                        Problem(PostureFinding.Error("mta-sts.policy-mode", $"mode: '{TagList.Quote(value, 40)}' is not enforce, testing or none."));
                    }

                    break;
                case "max_age":
                    if (value.Length is >= 1 and <= 10 && value.All(char.IsAsciiDigit)
                        && long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) is var seconds && seconds <= MaxMaxAge)
                    {
                        maxAge = seconds;
                    }
                    else
                    {
                        Problem(PostureFinding.Error("mta-sts.policy-max-age", $"max_age: '{TagList.Quote(value, 40)}' is not a number of seconds from 0 to {MaxMaxAge}."));
                    }

                    break;
                case "mx":
                    if (Pattern(value) is not { } pattern)
                    {
                        Problem(PostureFinding.Error("mta-sts.policy-mx", $"mx: '{TagList.Quote(value, 60)}' is neither a host name nor *. followed by one."));
                    }
                    else if (mx.Contains(pattern))
                    {
                        Problem(PostureFinding.Warning("mta-sts.policy-mx-duplicate", $"mx: {pattern} is listed more than once."));
                    }
                    else
                    {
                        mx.Add(pattern);
                    }

                    break;
                default:
                    if (extensions.Count < MaxProblems && !extensions.Contains(key))
                    {
                        extensions.Add(TagList.Quote(key, 40));
                    }

                    break;
            }
        }


        if (crlf < Math.Min(lines.Length, MaxLines))
        {
            findings.Add(PostureFinding.Ok("mta-sts.policy-lf", "Lines end with a bare LF rather than CRLF; senders accept that."));
        }

        findings.AddRange(problems);
        if (skipped > 0)
        {
            findings.Add(PostureFinding.Error("mta-sts.policy-syntax", $"{skipped:N0} more problems were found and are not listed."));
        }

        if (lines.Length > MaxLines)
        {
            findings.Add(PostureFinding.Error("mta-sts.policy-syntax", $"The policy has {lines.Length:N0} lines; only the first {MaxLines:N0} were read."));
        }

        if (version is null && !seen.Contains("version"))
        {
            findings.Add(PostureFinding.Error("mta-sts.policy-version", "The policy has no version: STSv1 line, so senders refuse it."));
        }

        if (mode is null && !seen.Contains("mode"))
        {
            findings.Add(PostureFinding.Error("mta-sts.policy-mode", "The policy has no mode: (enforce, testing or none)."));
        }

        if (maxAge is null && !seen.Contains("max_age"))
        {
            findings.Add(PostureFinding.Error("mta-sts.policy-max-age", "The policy has no max_age: (how long senders may cache it)."));
        }

        if (mx.Count == 0 && mode is not "none")
        {
            findings.Add(PostureFinding.Error("mta-sts.policy-mx", "The policy names no mx: hosts; senders can deliver to none of them under it."));
        }

        switch (mode)
        {
            case "enforce":
                findings.Add(PostureFinding.Ok("mta-sts.policy-mode", "mode: enforce: senders deliver only over TLS to the listed MX hosts with valid certificates."));
                break;
            case "testing":
                findings.Add(PostureFinding.Warning("mta-sts.policy-testing", "mode: testing: senders report TLS failures but still deliver without TLS."));
                break;
            case "none":
                findings.Add(PostureFinding.Warning("mta-sts.policy-none", "mode: none: MTA-STS is withdrawn; senders apply no policy."));
                break;
        }

        if (maxAge is < 86_400)
        {
            findings.Add(PostureFinding.Warning("mta-sts.policy-max-age-short",
                $"max_age: {maxAge} seconds is under a day: senders forget the policy quickly, and an attacker who strips it meanwhile is not noticed (weeks are usual)."));
        }

        if (extensions.Count > 0)
        {
            findings.Add(PostureFinding.Ok("mta-sts.policy-extension", $"Keys senders ignore: {string.Join(", ", extensions)}."));
        }

        return new MtaStsPolicy(version, mode, mx, maxAge, findings);
    }

    /// <summary>RFC 8461 section 4.1: a pattern matches a host of the same name, and <c>*.</c> + name matches a host of
    /// exactly one more label on the left; case does not matter, nor a trailing dot on the host.</summary>
    public static bool Matches(string pattern, string host)
    {
        host = host.TrimEnd('.');
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return host.Equals(pattern, StringComparison.OrdinalIgnoreCase);
        }

        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && host[(dot + 1)..].Equals(pattern[2..], StringComparison.OrdinalIgnoreCase);
    }

    private static string? Pattern(string value)
    {
        var wildcard = value.StartsWith("*.", StringComparison.Ordinal);
        var host = wildcard ? value[2..] : value;
        return !host.EndsWith('.') && DomainName.TryNormalise(host, out var name) && name == host.ToLowerInvariant()
            ? (wildcard ? "*." : "") + name
            : null;
    }
}
