using System.Security.Cryptography;
using System.Text;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;

namespace DmarcSecurity.Data.TlsReports;

/// <summary>A TLS report's identity and rows, computed before the transaction.</summary>
internal sealed class PreparedTlsReport(ExtractedTlsReport extracted)
{
    public ExtractedTlsReport Extracted { get; } = extracted;

    public string IdentityKey { get; } = IdentityOf(extracted.Report.OrganizationName, extracted.Report.ReportId);

    /// <summary>Organisation + report id (RFC 8460 section 4.4: the report id is unique per reporting organisation),
    /// length-prefixed so no two pairs collide, hashed so the unique index is fixed-width.</summary>
    public static string IdentityOf(string organization, string reportId)
    {
        var text = $"{organization.Length}:{organization}|{reportId.Length}:{reportId}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public TlsReportEntity ToEntity(IngestedFileEntity file)
    {
        var report = Extracted.Report;
        return new TlsReportEntity
        {
            File = file,
            IdentityKey = IdentityKey,
            Origin = Extracted.Origin,
            OrgName = report.OrganizationName,
            ReportId = report.ReportId,
            ContactInfo = report.ContactInfo,
            Begin = report.Start.ToUniversalTime(),
            End = report.End.ToUniversalTime(),
            PolicyCount = report.Policies.Count,
            // The parser refuses totals past long.MaxValue.
            SuccessfulSessionCount = report.SuccessfulSessions,
            FailedSessionCount = report.FailedSessions,
            Policies = [.. report.Policies.Select(p => new TlsPolicyEntity
            {
                PolicyType = p.PolicyType,
                PolicyDomain = p.PolicyDomain,
                PolicyStrings = [.. p.PolicyStrings],
                MxHosts = [.. p.MxHosts],
                SuccessfulSessionCount = p.SuccessfulSessions,
                FailedSessionCount = p.FailedSessions,
                FailureDetails = [.. p.FailureDetails.Select(f => new TlsFailureDetailEntity
                {
                    ResultType = f.ResultType,
                    SendingMtaIp = f.SendingMtaIp,
                    ReceivingMxHostname = f.ReceivingMxHostname,
                    ReceivingMxHelo = f.ReceivingMxHelo,
                    ReceivingIp = f.ReceivingIp,
                    FailedSessionCount = f.FailedSessions,
                    AdditionalInformation = f.AdditionalInformation,
                    FailureReasonCode = f.FailureReasonCode,
                })],
            })],
        };
    }
}
