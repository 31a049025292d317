namespace DmarcSecurity.Core.FailureReports;

/// <summary>
/// One DMARC failure report (RFC 6591 authentication failure report in the Abuse Reporting Format of RFC 5965, with the
/// DMARC fields of RFC 7489 section 7.3): what a receiver saw of one message that failed authentication.
/// </summary>
/// <param name="Reporter">Who sent the report: the report message's From address, else its User-Agent.</param>
/// <param name="FeedbackType">Always <c>auth-failure</c>: other feedback types are not DMARC failure reports.</param>
/// <param name="ArrivalDate">When the original message arrived at the reporter (<c>Arrival-Date</c>), in UTC; null when not given.</param>
/// <param name="SourceIp">The address of the SMTP client that sent the original message (<c>Source-IP</c>), canonical text.</param>
/// <param name="ReportedDomain">The domain the report is about (<c>Reported-Domain</c>), lower-case; null when not given.</param>
/// <param name="OriginalRcptTo">Every <c>Original-Rcpt-To</c>.</param>
/// <param name="AuthFailures">Every <c>Auth-Failure</c> kind (<c>dmarc</c>, <c>dkim</c>, <c>spf</c>, ...), lower-case.</param>
/// <param name="ReportedUris">Every <c>Reported-URI</c>.</param>
/// <param name="OriginalHeaders">The original message's header block as the reporter sent it.</param>
/// <param name="OriginalBody">The original message's body as text when the reporter sent the whole message; null when
/// only its headers came (<c>text/rfc822-headers</c>). Personal data: the caller decides whether it is kept.</param>
public sealed record FailureReport(
    string Reporter,
    string FeedbackType,
    string? UserAgent,
    string? Version,
    DateTimeOffset? ArrivalDate,
    string SourceIp,
    string? ReportedDomain,
    string? OriginalMailFrom,
    IReadOnlyList<string> OriginalRcptTo,
    string? AuthenticationResults,
    IReadOnlyList<string> AuthFailures,
    string? DkimDomain,
    string? DkimIdentity,
    string? DkimSelector,
    string? SpfDns,
    string? DeliveryResult,
    string? IdentityAlignment,
    IReadOnlyList<string> ReportedUris,
    string? OriginalFrom,
    string? OriginalTo,
    string? OriginalSubject,
    string? OriginalDate,
    string? OriginalMessageId,
    string OriginalHeaders,
    string? OriginalBody);
