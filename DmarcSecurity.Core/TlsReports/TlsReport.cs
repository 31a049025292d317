namespace DmarcSecurity.Core.TlsReports;

/// <summary>One SMTP TLS report (RFC 8460 section 4): what a sending organisation saw of its TLS sessions to the
/// policy domains it reports on, over one date range.</summary>
/// <param name="OrganizationName">The reporting organisation (<c>organization-name</c>).</param>
/// <param name="ContactInfo">Who to ask about the report (<c>contact-info</c>); null when the reporter left it out.</param>
/// <param name="ReportId">The reporter's identifier (<c>report-id</c>); with the organisation, the report's identity.</param>
public sealed record TlsReport(
    string OrganizationName,
    DateTimeOffset Start,
    DateTimeOffset End,
    string? ContactInfo,
    string ReportId,
    IReadOnlyList<TlsPolicyResult> Policies)
{
    public long SuccessfulSessions => Policies.Sum(p => p.SuccessfulSessions);

    public long FailedSessions => Policies.Sum(p => p.FailedSessions);
}

/// <summary>The sessions to one policy domain under one policy (an entry of <c>policies</c>).</summary>
/// <param name="PolicyType"><c>sts</c>, <c>tlsa</c> or <c>no-policy-found</c>.</param>
/// <param name="PolicyDomain">The domain the policy is for, lower-case, without a trailing dot.</param>
/// <param name="PolicyStrings">The policy as the sender saw it (<c>policy-string</c>), one line or record each.</param>
/// <param name="MxHosts">The MX host patterns of an MTA-STS policy (<c>mx-host</c>).</param>
public sealed record TlsPolicyResult(
    string PolicyType,
    string PolicyDomain,
    IReadOnlyList<string> PolicyStrings,
    IReadOnlyList<string> MxHosts,
    long SuccessfulSessions,
    long FailedSessions,
    IReadOnlyList<TlsFailureDetail> FailureDetails);

/// <summary>One kind of failed session (an entry of <c>failure-details</c>).</summary>
/// <param name="ResultType">What failed, e.g. <c>starttls-not-supported</c>, <c>certificate-expired</c>.</param>
public sealed record TlsFailureDetail(
    string ResultType,
    string? SendingMtaIp,
    string? ReceivingMxHostname,
    string? ReceivingMxHelo,
    string? ReceivingIp,
    long FailedSessions,
    string? AdditionalInformation,
    string? FailureReasonCode);

/// <summary>The policy types RFC 8460 section 4.3 defines.</summary>
public static class TlsPolicyTypes
{
    public const string Sts = "sts";
    public const string Tlsa = "tlsa";
    public const string NoPolicyFound = "no-policy-found";

    public static IReadOnlyList<string> All { get; } = [Sts, Tlsa, NoPolicyFound];
}
