using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DmarcSecurity.Core.Addresses;
using DmarcSecurity.Core.Reports;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Reports;

/// <summary>What of a record takes part when a report and a copy of it are compared: the address, the count, the
/// disposition, the two DMARC results and the identifiers. Auth details and override comments do not.</summary>
public sealed record ComparedRecord(
    string SourceIp, long Count, string Disposition, string DkimPolicyResult, string SpfPolicyResult, string HeaderFrom, string? EnvelopeFrom, string? EnvelopeTo)
{
    public static ComparedRecord Of(ReportRecord record) => new(
        Networks.Normalize(record.SourceIp).ToString(), record.Count, record.Disposition, record.DkimPolicyResult, record.SpfPolicyResult,
        record.HeaderFrom, record.EnvelopeFrom, record.EnvelopeTo);

    public static ComparedRecord Of(RecordEntity record) => new(
        Networks.Normalize(record.SourceIp).ToString(), record.Count, record.Disposition, record.DkimPolicyResult, record.SpfPolicyResult,
        record.HeaderFrom, record.EnvelopeFrom, record.EnvelopeTo);

    /// <summary>Everything but the count: records that agree on this are the same row of a comparison.</summary>
    public string RowKey() => Line(withCount: false);

    internal string Line(bool withCount)
    {
        var text = new StringBuilder();
        foreach (var part in (string?[])[SourceIp, Disposition, DkimPolicyResult, SpfPolicyResult, HeaderFrom, EnvelopeFrom, EnvelopeTo])
        {
            // Length-prefixed, so no two records collide however their fields are cut.
            text.Append(part is null ? -1 : part.Length).Append(':').Append(part).Append('|');
        }

        return withCount ? text.Append(Count).ToString() : text.ToString();
    }
}

/// <summary>The fingerprint of what a report says, and the compact form a conflicting copy's records are kept in.</summary>
public static class ReportContent
{
    /// <summary>Hex SHA-256 of the published policy and of the records in a fixed order: two copies of a report have
    /// the same fingerprint when they say the same, whatever order their records come in.</summary>
    public static string Fingerprint(string adkim, string aspf, string p, string sp, string? np, int? pct, IEnumerable<ComparedRecord> records)
    {
        var lines = records.Select(r => r.Line(withCount: true)).ToList();
        lines.Sort(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{adkim}|{aspf}|{p}|{sp}|{np}|{pct}\n"));
        foreach (var line in lines)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(line));
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string Fingerprint(AggregateReport report)
    {
        var policy = report.Policy;
        return Fingerprint(policy.Adkim, policy.Aspf, policy.P, policy.Sp, policy.Np, policy.Pct, report.Records.Select(ComparedRecord.Of));
    }

    internal static byte[] Compress(IEnumerable<ComparedRecord> records)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, records.ToList(), ComparedRecordJsonContext.Default.ListComparedRecord);
        }

        return output.ToArray();
    }

    public static List<ComparedRecord> Decompress(byte[] gzipped)
    {
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        return JsonSerializer.Deserialize(gzip, ComparedRecordJsonContext.Default.ListComparedRecord) ?? [];
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ComparedRecord>))]
internal sealed partial class ComparedRecordJsonContext : JsonSerializerContext;

/// <summary>A copy of a stored report (same reporter org, report id, policy domain and date range) that arrived with
/// different content: kept beside the report, not counted, for an analyst to compare.</summary>
public sealed class ReportConflictEntity
{
    public long Id { get; set; }

    public long ReportId { get; set; }

    public ReportEntity? Report { get; set; }

    public long FileId { get; set; }

    public Ingestion.IngestedFileEntity? File { get; set; }

    public required string ContentSha256 { get; set; }

    public DateTimeOffset DetectedAt { get; set; }

    public required string PolicyAdkim { get; set; }

    public required string PolicyAspf { get; set; }

    public required string PolicyP { get; set; }

    public required string PolicySp { get; set; }

    public string? PolicyNp { get; set; }

    public int? PolicyPct { get; set; }

    public int RecordCount { get; set; }

    public long MessageCount { get; set; }

    public long DkimPassCount { get; set; }

    public long SpfPassCount { get; set; }

    /// <summary>The copy's records (<see cref="ComparedRecord"/>), gzip-compressed JSON.</summary>
    public required byte[] RecordsGzip { get; set; }
}

internal sealed class ReportConflictConfiguration : IEntityTypeConfiguration<ReportConflictEntity>
{
    public void Configure(EntityTypeBuilder<ReportConflictEntity> builder)
    {
        builder.ToTable("report_conflicts");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasColumnName("id");
        builder.Property(c => c.ReportId).HasColumnName("report_id");
        builder.HasOne(c => c.Report).WithMany().HasForeignKey(c => c.ReportId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(c => c.FileId).HasColumnName("file_id");
        builder.HasOne(c => c.File).WithMany().HasForeignKey(c => c.FileId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(c => c.ContentSha256).HasColumnName("content_sha256");
        builder.Property(c => c.DetectedAt).HasColumnName("detected_at");
        builder.Property(c => c.PolicyAdkim).HasColumnName("policy_adkim");
        builder.Property(c => c.PolicyAspf).HasColumnName("policy_aspf");
        builder.Property(c => c.PolicyP).HasColumnName("policy_p");
        builder.Property(c => c.PolicySp).HasColumnName("policy_sp");
        builder.Property(c => c.PolicyNp).HasColumnName("policy_np");
        builder.Property(c => c.PolicyPct).HasColumnName("policy_pct");
        builder.Property(c => c.RecordCount).HasColumnName("record_count");
        builder.Property(c => c.MessageCount).HasColumnName("message_count");
        builder.Property(c => c.DkimPassCount).HasColumnName("dkim_pass_count");
        builder.Property(c => c.SpfPassCount).HasColumnName("spf_pass_count");
        builder.Property(c => c.RecordsGzip).HasColumnName("records_gzip");
    }
}
