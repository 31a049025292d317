namespace DmarcSecurity.Web.Api;

// A domain's DNS posture as GET /api/domains/{domain}/posture answers it.

public sealed record PostureFindingDto(string Severity, string Code, string Message);

public sealed record DnsPostureDto(
    long Id, string Domain, DateTimeOffset CheckedAt, string Trigger, string Worst, IReadOnlyList<string> Resolvers, int Lookups, bool Incomplete,
    DmarcPostureDto Dmarc, SpfPostureDto Spf, IReadOnlyList<DkimPostureDto> Dkim, MtaStsPostureDto MtaSts, TxtPostureDto TlsRpt,
    IReadOnlyList<string> Changes);

public sealed record DmarcPostureDto(
    string Name, string? Record, string? OrganisationalDomain, string? P, string? Sp, string? Np, int? Pct, string? Adkim, string? Aspf,
    IReadOnlyList<string> Rua, IReadOnlyList<string> Ruf, IReadOnlyList<ExternalAuthorisationDto> ExternalAuthorisations,
    IReadOnlyList<PostureFindingDto> Findings);

public sealed record ExternalAuthorisationDto(string TargetDomain, string Name, bool Authorised, string? Record);

public sealed record SpfPostureDto(string? Record, int Lookups, int VoidLookups, SpfNodeDto? Tree, IReadOnlyList<PostureFindingDto> Findings);

public sealed record SpfNodeDto(string Domain, string Via, string? Record, IReadOnlyList<string> Terms, IReadOnlyList<SpfNodeDto> Children,
    IReadOnlyList<PostureFindingDto> Findings);

public sealed record DkimPostureDto(string Selector, string Domain, string Name, string? Record, string? KeyType, int? KeyBits, bool Revoked,
    IReadOnlyList<PostureFindingDto> Findings);

public sealed record TxtPostureDto(string Name, string? Record, IReadOnlyList<PostureFindingDto> Findings);

public sealed record MtaStsPostureDto(string Name, string? Record, MtaStsPolicyDto? Policy, IReadOnlyList<PostureFindingDto> Findings);

public sealed record MtaStsPolicyDto(string Url, string? Text, string? Mode, IReadOnlyList<string> Mx, long? MaxAge, IReadOnlyList<string> MxHosts,
    IReadOnlyList<string> UnmatchedMx);
