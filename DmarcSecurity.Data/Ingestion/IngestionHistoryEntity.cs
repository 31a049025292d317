using DmarcSecurity.Core.Ingestion;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Ingestion;

/// <summary>One arrival of a file, message or folder entry, by any route, with what became of it.</summary>
public sealed class IngestionHistoryEntity
{
    public long Id { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary><c>upload:&lt;who&gt;</c>, <c>imap:&lt;mailbox&gt;</c>, <c>folder:&lt;name&gt;</c>.</summary>
    public required string Source { get; set; }

    public string? FileName { get; set; }

    public long Size { get; set; }

    public required string Sha256 { get; set; }

    public FileOutcome Outcome { get; set; }

    public RejectionReason? RejectionReason { get; set; }

    public string? Error { get; set; }

    /// <summary>The ingested_files row the arrival resolved to (for a byte-identical repeat: the earlier file).</summary>
    public long? FileId { get; set; }

    /// <summary>Comma-separated ids of the reports this arrival stored.</summary>
    public string ReportIds { get; set; } = "";

    /// <summary>Comma-separated ids of stored reports this arrival repeated.</summary>
    public string DuplicateOfReportIds { get; set; } = "";

    public int RecordCount { get; set; }

    /// <summary>Comma-separated ids of the SMTP TLS reports this arrival stored.</summary>
    public string TlsReportIds { get; set; } = "";

    /// <summary>Comma-separated ids of stored SMTP TLS reports this arrival repeated.</summary>
    public string DuplicateOfTlsReportIds { get; set; } = "";

    /// <summary>Comma-separated ids of the DMARC failure reports this arrival stored.</summary>
    public string FailureReportIds { get; set; } = "";

    /// <summary>Comma-separated ids of stored DMARC failure reports this arrival repeated.</summary>
    public string DuplicateOfFailureReportIds { get; set; } = "";

    /// <summary>Comma-separated ids of the conflicting copies this arrival kept (report_conflicts rows).</summary>
    public string ConflictIds { get; set; } = "";
}

internal sealed class IngestionHistoryConfiguration : IEntityTypeConfiguration<IngestionHistoryEntity>
{
    public void Configure(EntityTypeBuilder<IngestionHistoryEntity> builder)
    {
        builder.ToTable("ingestion_history");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.Id).HasColumnName("id");
        builder.Property(h => h.ReceivedAt).HasColumnName("received_at");
        builder.Property(h => h.Source).HasColumnName("source");
        builder.Property(h => h.FileName).HasColumnName("file_name");
        builder.Property(h => h.Size).HasColumnName("size");
        builder.Property(h => h.Sha256).HasColumnName("sha256");
        builder.Property(h => h.Outcome).HasColumnName("outcome").HasConversion<string>();
        builder.Property(h => h.RejectionReason).HasColumnName("rejection_reason").HasConversion<string>();
        builder.Property(h => h.Error).HasColumnName("error");
        builder.Property(h => h.FileId).HasColumnName("file_id");
        builder.Property(h => h.ReportIds).HasColumnName("report_ids");
        builder.Property(h => h.DuplicateOfReportIds).HasColumnName("duplicate_of_report_ids");
        builder.Property(h => h.RecordCount).HasColumnName("record_count");
        builder.Property(h => h.TlsReportIds).HasColumnName("tls_report_ids");
        builder.Property(h => h.DuplicateOfTlsReportIds).HasColumnName("duplicate_of_tls_report_ids");
        builder.Property(h => h.FailureReportIds).HasColumnName("failure_report_ids");
        builder.Property(h => h.DuplicateOfFailureReportIds).HasColumnName("duplicate_of_failure_report_ids");
        builder.Property(h => h.ConflictIds).HasColumnName("conflict_ids");
    }
}
