using System.Net;

namespace DmarcSecurity.Core.Reports;

/// <summary>Which schema a parsed aggregate report was written in.</summary>
public enum ReportFormat
{
    /// <summary>The pre-RFC draft: no <c>&lt;version&gt;</c> element, no namespace.</summary>
    Draft = 0,

    /// <summary>RFC 7489 Appendix C (<c>&lt;version&gt;1.0&lt;/version&gt;</c>, no namespace).</summary>
    Rfc7489 = 1,

    /// <summary>RFC 9990 (DMARCbis), namespace <c>urn:ietf:params:xml:ns:dmarc-2.0</c>.</summary>
    Rfc9990 = 2,
}

/// <summary>One DMARC aggregate report, normalised across the three schemas.</summary>
public sealed record AggregateReport
{
    public required ReportFormat Format { get; init; }

    /// <summary>The <c>&lt;version&gt;</c> text when present.</summary>
    public string? Version { get; init; }

    /// <summary>Reporter organisation; falls back to the domain of <see cref="ReporterEmail"/> when empty.</summary>
    public required string OrgName { get; init; }

    public string? ReporterEmail { get; init; }

    public string? ExtraContactInfo { get; init; }

    /// <summary>Report id with any surrounding angle brackets removed.</summary>
    public required string ReportId { get; init; }

    public required DateTimeOffset Begin { get; init; }

    public required DateTimeOffset End { get; init; }

    /// <summary>RFC 9990 <c>&lt;generator&gt;</c>.</summary>
    public string? Generator { get; init; }

    /// <summary>Report-level <c>&lt;error&gt;</c> elements.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    public required PolicyPublished Policy { get; init; }

    public IReadOnlyList<ReportRecord> Records { get; init; } = [];

    /// <summary>Records that could not be read and were skipped; the rest of the report stands.</summary>
    public int SkippedRecords { get; init; }

    /// <summary>Human-readable notes on quirks met while parsing (skipped records, non-standard values).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>RFC 9990 report-level extension elements, kept as their outer XML.</summary>
    public IReadOnlyList<string> Extensions { get; init; } = [];
}

/// <summary>The <c>&lt;policy_published&gt;</c> block. Defaults are applied: adkim/aspf = r, sp = p.</summary>
public sealed record PolicyPublished
{
    public required string Domain { get; init; }

    public string Adkim { get; init; } = "r";

    public string Aspf { get; init; } = "r";

    public required string P { get; init; }

    public required string Sp { get; init; }

    /// <summary>RFC 9990 non-existent subdomain policy.</summary>
    public string? Np { get; init; }

    /// <summary>RFC 7489 pct; absent in RFC 9990.</summary>
    public int? Pct { get; init; }

    public string? Fo { get; init; }

    /// <summary>RFC 9990 <c>t</c>/<c>testing</c> flag (y or n).</summary>
    public string? Testing { get; init; }

    /// <summary>RFC 9990 <c>discovery_method</c> (psl or treewalk).</summary>
    public string? DiscoveryMethod { get; init; }
}

/// <summary>One <c>&lt;record&gt;</c>: a source IP and what happened to its messages.</summary>
public sealed record ReportRecord
{
    public required IPAddress SourceIp { get; init; }

    public required long Count { get; init; }

    /// <summary>none, quarantine, reject, or (RFC 9990) pass; lower-cased.</summary>
    public required string Disposition { get; init; }

    /// <summary>DKIM result as evaluated for DMARC (pass/fail), lower-cased.</summary>
    public required string DkimPolicyResult { get; init; }

    /// <summary>SPF result as evaluated for DMARC (pass/fail), lower-cased.</summary>
    public required string SpfPolicyResult { get; init; }

    public IReadOnlyList<PolicyOverrideReason> Reasons { get; init; } = [];

    public required string HeaderFrom { get; init; }

    public string? EnvelopeFrom { get; init; }

    public string? EnvelopeTo { get; init; }

    public IReadOnlyList<DkimAuthResult> Dkim { get; init; } = [];

    public IReadOnlyList<SpfAuthResult> Spf { get; init; } = [];

    /// <summary>True when a result word was outside its schema's vocabulary (kept as-is, e.g. "hardfail").</summary>
    public bool HasNonStandardValues { get; init; }

    /// <summary>DKIM passed as evaluated for DMARC, i.e. with alignment.</summary>
    public bool DkimAligned => string.Equals(DkimPolicyResult, "pass", StringComparison.OrdinalIgnoreCase);

    /// <summary>SPF passed as evaluated for DMARC, i.e. with alignment.</summary>
    public bool SpfAligned => string.Equals(SpfPolicyResult, "pass", StringComparison.OrdinalIgnoreCase);

    /// <summary>The receiver's override reason saying the message came through a forwarder (<c>forwarded</c>,
    /// <c>mailing_list</c>, <c>trusted_forwarder</c>), when it gave one: a DMARC failure on the forwarder's path, not a
    /// spoof. Null otherwise.</summary>
    public string? Forwarding => ForwardingReasons.Of(Reasons);
}

/// <summary>The override reasons (RFC 7489 appendix C, RFC 9990) that mark a message as forwarded.</summary>
public static class ForwardingReasons
{
    /// <summary>In the order they are named when a record has more than one.</summary>
    public static readonly IReadOnlyList<string> All = ["mailing_list", "forwarded", "trusted_forwarder"];

    public static string? Of(IReadOnlyList<PolicyOverrideReason> reasons)
    {
        foreach (var kind in All)
        {
            foreach (var reason in reasons)
            {
                if (string.Equals(reason.Type.Trim(), kind, StringComparison.OrdinalIgnoreCase))
                {
                    return kind;
                }
            }
        }

        return null;
    }
}

public sealed record PolicyOverrideReason(string Type, string? Comment);

public sealed record DkimAuthResult(string Domain, string? Selector, string Result, string? HumanResult);

public sealed record SpfAuthResult(string Domain, string? Scope, string Result);
