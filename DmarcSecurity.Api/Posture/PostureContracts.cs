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
    DmarcPostureDto Dmarc, SpfPostureDto Spf, IReadOnlyList<DkimPostureDto> Dkim, TxtPostureDto MtaSts, TxtPostureDto TlsRpt,
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
