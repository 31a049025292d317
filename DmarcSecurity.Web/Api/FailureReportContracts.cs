namespace DmarcSecurity.Web.Api;

/// <summary>One DMARC failure report in the list (<c>GET /api/failure-reports</c>).</summary>
public sealed record FailureReportSummaryDto(
    long Id, string Reporter, DateTimeOffset ArrivalAt, bool ArrivalDateGiven, string SourceIp, string? ReportedDomain,
    IReadOnlyList<string> AuthFailures, string? DeliveryResult, string? OriginalFrom, string? OriginalSubject, long FileId, DateTimeOffset ReceivedAt);

/// <summary><c>GET /api/failure-reports/{id}</c>; <see cref="OriginalBody"/> only when the Api stores bodies.</summary>
public sealed record FailureReportDetailDto(
    FailureReportSummaryDto Summary, string Origin, string FeedbackType, string? UserAgent, string? Version, string? OriginalMailFrom,
    IReadOnlyList<string> OriginalRcptTo, string? AuthenticationResults, string? DkimDomain, string? DkimIdentity, string? DkimSelector,
    string? SpfDns, string? IdentityAlignment, IReadOnlyList<string> ReportedUris, string? OriginalTo, string? OriginalDate,
    string? OriginalMessageId, string OriginalHeaders, string? OriginalBody);
