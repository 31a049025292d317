using System.Globalization;
using System.Text.Json;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Reports;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Data.Ingestion;

/// <summary>The grain events a stored report causes: one for the domain grain of its policy domain, and one per record
/// for the source-IP grain of the record's address. Written in the transaction that stores the report.</summary>
internal static class GrainEvents
{
    public static IEnumerable<NewInboxEvent> For(long reportId, AggregateReport report)
    {
        var id = reportId.ToString(CultureInfo.InvariantCulture);
        var policy = report.Policy;
        var domain = policy.Domain.Trim().TrimEnd('.').ToLowerInvariant();
        var rows = report.Records
            .Select(r => new DmarcReportRow(Networks.Normalize(r.SourceIp).ToString(), r.Count, r.Disposition, r.DkimAligned, r.SpfAligned))
            .ToList();
        yield return new NewInboxEvent(
            GrainTypes.Domain,
            domain,
            GrainEventTypes.DmarcReport,
            JsonSerializer.Serialize(
                new DmarcReportEvent(id, report.OrgName, report.ReporterEmail, report.Begin, report.End,
                    new DmarcPublishedPolicy(policy.P, policy.Sp, policy.Np, policy.Pct, policy.Testing, policy.Adkim, policy.Aspf), rows),
                GrainEventJson.Default.DmarcReportEvent));

        for (var i = 0; i < report.Records.Count; i++)
        {
            var record = report.Records[i];
            var row = rows[i];
            yield return new NewInboxEvent(
                GrainTypes.SourceIp,
                row.SourceIp,
                GrainEventTypes.DmarcRecord,
                JsonSerializer.Serialize(
                    new DmarcRecordEvent(id, domain, report.OrgName, report.Begin, report.End, record.Count, record.Disposition,
                        row.DkimAligned, row.SpfAligned, record.HeaderFrom, record.Forwarding),
                    GrainEventJson.Default.DmarcRecordEvent));
        }
    }
}
