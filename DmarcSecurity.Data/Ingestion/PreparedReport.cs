using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Reports;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Data.Ingestion;

/// <summary>Everything about a report that does not need the database, computed once before the transaction
/// (and reused if the transaction is retried).</summary>
internal sealed class PreparedReport
{
    private PreparedReport(ExtractedReport extracted, string identityKey, byte[]? xmlGzip)
    {
        Extracted = extracted;
        IdentityKey = identityKey;
        ContentSha256 = ReportContent.Fingerprint(extracted.Report);
        XmlGzip = xmlGzip;
    }

    public ExtractedReport Extracted { get; }

    public AggregateReport Report => Extracted.Report;

    public string IdentityKey { get; }

    /// <summary>What the report says (<see cref="ReportContent.Fingerprint(AggregateReport)"/>).</summary>
    public string ContentSha256 { get; }

    /// <summary>Null when the XML is over the archive cap.</summary>
    public byte[]? XmlGzip { get; }

    public static PreparedReport Create(ExtractedReport extracted, long maxRawXmlBytes)
    {
        var xml = extracted.Xml.Span;
        return new PreparedReport(
            extracted,
            IdentityOf(extracted.Report),
            xml.Length <= maxRawXmlBytes ? Compress(xml) : null);
    }

    /// <summary>Reporter org + report id + policy domain + begin + end, length-prefixed so no two tuples collide,
    /// hashed so the unique index is small and fixed-width whatever the reporter sends. Domains compare case-insensitively.</summary>
    public static string IdentityOf(AggregateReport report)
    {
        var text = new StringBuilder()
            .Append(report.OrgName.Length).Append(':').Append(report.OrgName).Append('|')
            .Append(report.ReportId.Length).Append(':').Append(report.ReportId).Append('|')
            .Append(report.Policy.Domain.ToLowerInvariant()).Append('|')
            .Append(report.Begin.ToUnixTimeMilliseconds()).Append('|')
            .Append(report.End.ToUnixTimeMilliseconds())
            .ToString();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public ReportEntity ToEntity(IngestedFileEntity file)
    {
        var report = Report;
        var policy = report.Policy;
        var totals = Totals.Of(report.Records);
        return new ReportEntity
        {
            File = file,
            IdentityKey = IdentityKey,
            ContentSha256 = ContentSha256,
            Origin = Extracted.Origin,
            Format = report.Format,
            Version = report.Version,
            OrgName = report.OrgName,
            ReporterEmail = report.ReporterEmail,
            ExtraContactInfo = report.ExtraContactInfo,
            ReportId = report.ReportId,
            Begin = report.Begin.ToUniversalTime(),
            End = report.End.ToUniversalTime(),
            Generator = report.Generator,
            Errors = [.. report.Errors],
            Warnings = [.. report.Warnings],
            Extensions = [.. report.Extensions],
            SkippedRecords = report.SkippedRecords,
            PolicyDomain = policy.Domain,
            PolicyAdkim = policy.Adkim,
            PolicyAspf = policy.Aspf,
            PolicyP = policy.P,
            PolicySp = policy.Sp,
            PolicyNp = policy.Np,
            PolicyPct = policy.Pct,
            PolicyFo = policy.Fo,
            PolicyTesting = policy.Testing,
            PolicyDiscoveryMethod = policy.DiscoveryMethod,
            RecordCount = report.Records.Count,
            RawXmlSize = Extracted.Xml.Length,
            RawXmlStored = XmlGzip is not null,
            MessageCount = totals.Messages,
            DkimPassCount = totals.DkimPass,
            SpfPassCount = totals.SpfPass,
            BothPassCount = totals.BothPass,
            NoneCount = totals.None,
            QuarantineCount = totals.Quarantine,
            RejectCount = totals.Reject,
        };
    }

    /// <summary>This report kept as a conflicting copy of the stored report it repeats with different content.</summary>
    public ReportConflictEntity ToConflict(IngestedFileEntity file, long storedReportId, ReportEntity? storedInThisFile)
    {
        var report = Report;
        var policy = report.Policy;
        var totals = Totals.Of(report.Records);
        return new ReportConflictEntity
        {
            ReportId = storedReportId,
            Report = storedInThisFile,
            File = file,
            ContentSha256 = ContentSha256,
            DetectedAt = DateTimeOffset.UtcNow,
            PolicyAdkim = policy.Adkim,
            PolicyAspf = policy.Aspf,
            PolicyP = policy.P,
            PolicySp = policy.Sp,
            PolicyNp = policy.Np,
            PolicyPct = policy.Pct,
            RecordCount = report.Records.Count,
            RecordsGzip = ReportContent.Compress(report.Records.Select(ComparedRecord.Of)),
            MessageCount = totals.Messages,
            DkimPassCount = totals.DkimPass,
            SpfPassCount = totals.SpfPass,
        };
    }

    private static bool Is(string value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>A report's message counts, summed once for the report and for a conflicting copy alike.</summary>
    private readonly record struct Totals(long Messages, long DkimPass, long SpfPass, long BothPass, long None, long Quarantine, long Reject)
    {
        public static Totals Of(IReadOnlyList<ReportRecord> records)
        {
            var totals = default(Totals);
            // checked: a count near long.MaxValue is refused rather than stored as a wrapped negative total.
            checked
            {
                foreach (var record in records)
                {
                    var dkim = record.DkimAligned;
                    var spf = record.SpfAligned;
                    totals = new Totals(
                        totals.Messages + record.Count,
                        totals.DkimPass + (dkim ? record.Count : 0),
                        totals.SpfPass + (spf ? record.Count : 0),
                        totals.BothPass + (dkim && spf ? record.Count : 0),
                        totals.None + (Is(record.Disposition, "none") ? record.Count : 0),
                        totals.Quarantine + (Is(record.Disposition, "quarantine") ? record.Count : 0),
                        totals.Reject + (Is(record.Disposition, "reject") ? record.Count : 0));
                }
            }

            return totals;
        }
    }

    // Fastest: ingestion throughput matters more than the last few percent of archive size (XML still shrinks ~10x).
    private static byte[] Compress(ReadOnlySpan<byte> xml)
    {
        using var output = new MemoryStream(Math.Max(256, xml.Length / 8));
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(xml);
        }

        return output.ToArray();
    }
}
