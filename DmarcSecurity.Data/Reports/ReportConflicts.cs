using System.Buffers;
using System.Buffers.Binary;
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
    public string RowKey()
    {
        var text = new StringBuilder();
        foreach (var part in Parts())
        {
            // Length-prefixed, so no two records collide however their fields are cut.
            text.Append(part is null ? -1 : part.Length).Append(':').Append(part).Append('|');
        }

        return text.ToString();
    }

    /// <summary>The record as bytes for its hash: each field length-prefixed (-1 for null) in UTF-8, then the count;
    /// grows <paramref name="buffer"/> (a pooled array) when the fields need more room.</summary>
    internal int Write(ref byte[] buffer)
    {
        var parts = Parts();
        var needed = 8;
        foreach (var part in parts)
        {
            needed += 4 + (part is null ? 0 : Encoding.UTF8.GetMaxByteCount(part.Length));
        }

        if (buffer.Length < needed)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(needed);
        }

        var at = 0;
        foreach (var part in parts)
        {
            var length = part is null ? -1 : Encoding.UTF8.GetBytes(part, buffer.AsSpan(at + 4));
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(at), length);
            at += 4 + Math.Max(0, length);
        }

        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(at), Count);
        return at + 8;
    }

    private string?[] Parts() => [SourceIp, Disposition, DkimPolicyResult, SpfPolicyResult, HeaderFrom, EnvelopeFrom, EnvelopeTo];
}

/// <summary>The fingerprint of what a report says, and the compact form a conflicting copy's records are kept in.</summary>
public static class ReportContent
{
    /// <summary>Hex SHA-256 of the published policy, the number of records and the sum of the records' own SHA-256
    /// (four 64-bit lanes, wrapping): two copies of a report have the same fingerprint when they say the same, whatever
    /// order their records come in, and no sort or string is made per record (every report is fingerprinted at ingestion).</summary>
    public static string Fingerprint(string adkim, string aspf, string p, string sp, string? np, int? pct, IEnumerable<ComparedRecord> records)
    {
        Span<ulong> sum = stackalloc ulong[4];
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        long count = 0;
        try
        {
            foreach (var record in records)
            {
                var length = record.Write(ref buffer);
                SHA256.HashData(buffer.AsSpan(0, length), digest);
                for (var lane = 0; lane < 4; lane++)
                {
                    sum[lane] = unchecked(sum[lane] + BinaryPrimitives.ReadUInt64LittleEndian(digest[(lane * 8)..]));
                }

                count++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var head = Encoding.UTF8.GetBytes($"{adkim}|{aspf}|{p}|{sp}|{np}|{pct}|{count}|");
        var all = new byte[head.Length + 32];
        head.CopyTo(all, 0);
        for (var lane = 0; lane < 4; lane++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(all.AsSpan(head.Length + lane * 8), sum[lane]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(all));
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
