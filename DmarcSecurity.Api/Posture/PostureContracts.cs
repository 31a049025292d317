using DmarcSecurity.Core.Posture;

namespace DmarcSecurity.Api.Posture;

public sealed record PostureFindingDto(FindingSeverity Severity, string Code, string Message)
{
    public static PostureFindingDto From(PostureFinding f) => new(f.Severity, f.Code, f.Message);
}

/// <summary>One stored check of a domain's published email-authentication DNS.</summary>
/// <param name="Resolvers">The resolvers asked.</param>
/// <param name="Lookups">DNS queries the whole check sent.</param>
/// <param name="Incomplete">A query timed out or failed, or the lookup cap was reached: some findings may be missing.</param>
public sealed record DnsPostureDto(
    long Id, string Domain, DateTimeOffset CheckedAt, string Trigger, FindingSeverity Worst, IReadOnlyList<string> Resolvers, int Lookups, bool Incomplete,
    DmarcPostureDto Dmarc, SpfPostureDto Spf, IReadOnlyList<DkimPostureDto> Dkim, MtaStsPostureDto MtaSts, TxtPostureDto TlsRpt,
    IReadOnlyList<string> Changes);

/// <param name="Name">Where the record was looked for (and found, when <paramref name="Record"/> is set).</param>
/// <param name="OrganisationalDomain">Set when the domain has no record of its own and the organisational domain's applies.</param>
public sealed record DmarcPostureDto(
    string Name, string? Record, string? OrganisationalDomain, string? P, string? Sp, string? Np, int? Pct, string? Adkim, string? Aspf,
    IReadOnlyList<string> Rua, IReadOnlyList<string> Ruf, IReadOnlyList<ExternalAuthorisationDto> ExternalAuthorisations,
    IReadOnlyList<PostureFindingDto> Findings);

/// <param name="Name">The authorisation record's name, <c>&lt;domain&gt;._report._dmarc.&lt;target&gt;</c>.</param>
public sealed record ExternalAuthorisationDto(string TargetDomain, string Name, bool Authorised, string? Record);

/// <param name="Lookups">The DNS-querying terms the record costs a receiver (limit 10).</param>
/// <param name="VoidLookups">Lookups that found nothing (limit 2).</param>
public sealed record SpfPostureDto(string? Record, int Lookups, int VoidLookups, SpfNodeDto? Tree, IReadOnlyList<PostureFindingDto> Findings);

/// <summary>One SPF record in the expansion: the domain, how it was reached, its terms, and what it includes.</summary>
/// <param name="Via">The term that led here (<c>include:_spf.example.com</c>, <c>redirect=...</c>); empty for the domain's own record.</param>
public sealed record SpfNodeDto(string Domain, string Via, string? Record, IReadOnlyList<string> Terms, IReadOnlyList<SpfNodeDto> Children,
    IReadOnlyList<PostureFindingDto> Findings);

/// <param name="Domain">The signing domain (d=) the selector was seen with.</param>
public sealed record DkimPostureDto(string Selector, string Domain, string Name, string? Record, string? KeyType, int? KeyBits, bool Revoked,
    IReadOnlyList<PostureFindingDto> Findings);

public sealed record TxtPostureDto(string Name, string? Record, IReadOnlyList<PostureFindingDto> Findings);

/// <summary>The <c>_mta-sts</c> record and, when it is valid, the policy file it announces.</summary>
/// <param name="Policy">Null when the file was not fetched (no valid record, or a check from before files were fetched).</param>
public sealed record MtaStsPostureDto(string Name, string? Record, MtaStsPolicyDto? Policy, IReadOnlyList<PostureFindingDto> Findings);

/// <summary>The policy file as fetched and read (RFC 8461 section 3.2).</summary>
/// <param name="Text">The file's text; null when it could not be fetched (the findings say why).</param>
/// <param name="Mx">The policy's <c>mx</c> patterns.</param>
/// <param name="MaxAge">Seconds senders may cache the policy.</param>
/// <param name="MxHosts">The domain's MX hosts as the DNS answered.</param>
/// <param name="UnmatchedMx">MX hosts no pattern matches: senders enforcing the policy refuse them.</param>
public sealed record MtaStsPolicyDto(string Url, string? Text, string? Mode, IReadOnlyList<string> Mx, long? MaxAge, IReadOnlyList<string> MxHosts,
    IReadOnlyList<string> UnmatchedMx)
{
    /// <summary>The policy at <paramref name="url"/> that could not be had; the findings say why.</summary>
    public static MtaStsPolicyDto Unfetched(string url) => new(url, null, null, [], null, [], []);
}
