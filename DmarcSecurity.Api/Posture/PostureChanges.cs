using System.Security.Cryptography;
using System.Text;
using DmarcSecurity.Core.Posture;

namespace DmarcSecurity.Api.Posture;

/// <summary>What changed between two checks of a domain: its records, the DMARC policy tag by tag, DKIM keys that went
/// or were replaced, and errors that are new.</summary>
public static class PostureChanges
{
    private static readonly string[] s_policyRank = ["none", "quarantine", "reject"];
    private static readonly string[] s_stsModeRank = ["none", "testing", "enforce"];

    public static (List<string> Changes, bool Weakened) Compare(DnsPostureDto before, PostureCheck now)
    {
        var changes = new List<string>();
        var weakened = false;
        void Add(string change, bool weaker)
        {
            changes.Add(change);
            weakened |= weaker;
        }

        var (b, a) = (before.Dmarc, now.Dmarc);
        if (b.Record != a.Record)
        {
            if (a.Record is null)
            {
                Add($"the DMARC record at {b.Name} was removed", true);
            }
            else if (b.Record is null)
            {
                Add($"a DMARC record was published at {a.Name}", false);
            }
            else
            {
                foreach (var (tag, old, @new) in new[] { ("p", b.P, a.P), ("sp", b.Sp, a.Sp), ("np", b.Np, a.Np) })
                {
                    if (old != @new)
                    {
                        Add($"DMARC {tag}: {old ?? "(none)"} -> {@new ?? "(none)"}", Rank(@new) < Rank(old));
                    }
                }

                if ((b.Pct ?? 100) != (a.Pct ?? 100))
                {
                    Add($"DMARC pct: {b.Pct ?? 100} -> {a.Pct ?? 100}", (a.Pct ?? 100) < (b.Pct ?? 100));
                }

                if ((b.Adkim ?? "r") != (a.Adkim ?? "r") || (b.Aspf ?? "r") != (a.Aspf ?? "r"))
                {
                    Add($"DMARC alignment: adkim {b.Adkim ?? "r"}, aspf {b.Aspf ?? "r"} -> adkim {a.Adkim ?? "r"}, aspf {a.Aspf ?? "r"}",
                        (b.Adkim == "s" && a.Adkim != "s") || (b.Aspf == "s" && a.Aspf != "s"));
                }

                if (!b.Rua.SequenceEqual(a.Rua) || !b.Ruf.SequenceEqual(a.Ruf))
                {
                    Add($"DMARC report addresses: rua {string.Join(",", b.Rua)} -> {string.Join(",", a.Rua)}; ruf {string.Join(",", b.Ruf)} -> {string.Join(",", a.Ruf)}", false);
                }

                if (changes.Count == 0)
                {
                    Add($"the DMARC record changed: '{TagList.Quote(b.Record)}' -> '{TagList.Quote(a.Record)}'", false);
                }
            }
        }

        Record("SPF record", before.Spf.Record, now.Spf.Record, Add);
        Record("MTA-STS record", before.MtaSts.Record, now.MtaSts.Record, Add);
        Policy(before.MtaSts.Policy, now.MtaSts.Policy, Add);
        Record("TLS-RPT record", before.TlsRpt.Record, now.TlsRpt.Record, Add);
        foreach (var old in before.Dkim.Where(d => d.Record is not null))
        {
            var current = now.Dkim.FirstOrDefault(d => d.Name == old.Name);
            if (current is null)
            {
                continue; // no longer seen in reports: not asked, not known to be gone
            }

            if (current.Record is null)
            {
                Add($"the DKIM key {old.Name} disappeared", true);
            }
            else if (current.Revoked && !old.Revoked)
            {
                Add($"the DKIM key {old.Name} was revoked (empty p=)", true);
            }
            else if (current.Record != old.Record)
            {
                Add($"the DKIM key {old.Name} was replaced ({Bits(old)} -> {Bits(current)})", (current.KeyBits ?? 0) < (old.KeyBits ?? 0));
            }
        }

        var knownErrors = Errors(before.Dmarc.Findings, before.Spf.Findings, before.MtaSts.Findings, before.TlsRpt.Findings, before.Dkim.SelectMany(d => d.Findings))
            .Select(f => f.Code).ToHashSet(StringComparer.Ordinal);
        foreach (var error in Errors(a.Findings, now.Spf.Findings, now.MtaSts.Findings, now.TlsRpt.Findings, now.Dkim.SelectMany(d => d.Findings))
                     .Where(f => !knownErrors.Contains(f.Code)).DistinctBy(f => f.Code))
        {
            Add($"new error: {error.Message}", true);
        }

        return (changes, weakened);
    }

    /// <summary>A short fingerprint of what a check found: its records and its errors.</summary>
    public static string Fingerprint(PostureCheck check)
    {
        var parts = new[] { check.Dmarc.Record, check.Spf.Record, check.MtaSts.Record, check.MtaSts.Policy?.Text, check.TlsRpt.Record }
            .Concat(check.Dkim.Select(d => $"{d.Name}={d.Record}"))
            .Concat(Errors(check.Dmarc.Findings, check.Spf.Findings, check.MtaSts.Findings, check.TlsRpt.Findings, check.Dkim.SelectMany(d => d.Findings))
                .Select(f => f.Code).Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..16];
    }

    private static IEnumerable<PostureFindingDto> Errors(params IEnumerable<PostureFindingDto>[] findings) =>
        findings.SelectMany(f => f).Where(f => f.Severity == FindingSeverity.Error && f.Code != "dns.failed");

    private static void Record(string what, string? before, string? now, Action<string, bool> add)
    {
        if (before == now)
        {
            return;
        }

        if (now is null)
        {
            add($"the {what} was removed", true);
        }
        else if (before is null)
        {
            add($"the {what} was published: '{TagList.Quote(now)}'", false);
        }
        else
        {
            add($"the {what} changed: '{TagList.Quote(before)}' -> '{TagList.Quote(now)}'", false);
        }
    }

    /// <summary>The policy file compared when both checks fetched it (a check from before files were fetched, or one
    /// of a record that was not valid, did not): its content, said as mode, mx and max_age where those changed.</summary>
    private static void Policy(MtaStsPolicyDto? before, MtaStsPolicyDto? now, Action<string, bool> add)
    {
        if (before is null || now is null || before.Text == now.Text)
        {
            return;
        }

        if (now.Text is null)
        {
            add($"the MTA-STS policy file {now.Url} can no longer be fetched", true);
            return;
        }

        if (before.Text is null)
        {
            add($"the MTA-STS policy file {now.Url} can be fetched again (mode {now.Mode ?? "(none)"})", false);
            return;
        }

        var said = false;
        if (before.Mode != now.Mode)
        {
            add($"MTA-STS mode: {before.Mode ?? "(none)"} -> {now.Mode ?? "(none)"}", Array.IndexOf(s_stsModeRank, now.Mode) < Array.IndexOf(s_stsModeRank, before.Mode));
            said = true;
        }

        if (!before.Mx.SequenceEqual(now.Mx))
        {
            add($"MTA-STS mx: {string.Join(",", before.Mx)} -> {string.Join(",", now.Mx)}", false);
            said = true;
        }

        if (before.MaxAge != now.MaxAge)
        {
            add($"MTA-STS max_age: {before.MaxAge?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"} -> {now.MaxAge?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}", false);
            said = true;
        }

        if (!said)
        {
            add($"the MTA-STS policy file changed: '{TagList.Quote(OneLine(before.Text))}' -> '{TagList.Quote(OneLine(now.Text))}'", false);
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings("; ").TrimEnd(' ', ';');

    private static int Rank(string? policy) => policy is null ? -1 : Array.IndexOf(s_policyRank, policy);

    private static string Bits(DkimPostureDto key) => key.KeyBits is { } bits ? $"{key.KeyType} {bits} bits" : key.KeyType ?? "unreadable";
}
