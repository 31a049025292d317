namespace DmarcSecurity.Core.Grains;

/// <summary>One stored DMARC failure report, sent to the grain of the source IP it names: one message from that
/// address that failed authentication at a receiver.</summary>
/// <param name="FailureReportId">The stored report's id.</param>
/// <param name="ReportedDomain">The domain the report is about, lower-case; null when the reporter left it out.</param>
/// <param name="ArrivalAt">When the message arrived at the reporter (or, without an Arrival-Date, at us).</param>
/// <param name="AuthFailures">What failed (<c>dmarc</c>, <c>dkim</c>, <c>spf</c>, ...), lower-case.</param>
/// <param name="DeliveryResult">What the receiver did with the message (<c>delivered</c>, <c>spam</c>, <c>reject</c>, ...); null when not given.</param>
public sealed record DmarcFailureEvent(
    string FailureReportId,
    string Reporter,
    string? ReportedDomain,
    DateTimeOffset ArrivalAt,
    IReadOnlyList<string> AuthFailures,
    string? DeliveryResult);
