namespace DmarcSecurity.Web.Api;

/// <summary>One SMTP TLS report in the list (<c>GET /api/tls-reports</c>).</summary>
public sealed record TlsReportSummaryDto(
    long Id, string OrgName, string ReportId, string? ContactInfo, DateTimeOffset Begin, DateTimeOffset End,
    IReadOnlyList<string> PolicyDomains, long SuccessfulSessions, long FailedSessions, long FileId, DateTimeOffset ReceivedAt);

public sealed record TlsFailureDetailDto(
    string ResultType, string? SendingMtaIp, string? ReceivingMxHostname, string? ReceivingMxHelo, string? ReceivingIp,
    long FailedSessions, string? AdditionalInformation, string? FailureReasonCode);

public sealed record TlsPolicyDto(
    string PolicyType, string PolicyDomain, IReadOnlyList<string> PolicyStrings, IReadOnlyList<string> MxHosts,
    long SuccessfulSessions, long FailedSessions, IReadOnlyList<TlsFailureDetailDto> FailureDetails);

/// <summary><c>GET /api/tls-reports/{id}</c>.</summary>
public sealed record TlsReportDetailDto(TlsReportSummaryDto Summary, string Origin, IReadOnlyList<TlsPolicyDto> Policies);

public sealed record TlsResultTypeDto(string ResultType, long FailedSessions);

/// <summary>One policy domain of <c>GET /api/tls-reports/summary</c>.</summary>
public sealed record TlsDomainSummaryDto(
    string PolicyDomain, int Reports, long SuccessfulSessions, long FailedSessions, double FailureRate, IReadOnlyList<TlsResultTypeDto> TopResultTypes);
