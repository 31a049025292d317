using DmarcSecurity.Core.Ingestion;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Ingestion;

/// <summary>One received file: stored, a duplicate of stored reports, or rejected. Byte-identical repeats are not written again.</summary>
public sealed class IngestedFileEntity
{
    public long Id { get; set; }

    public required string Sha256 { get; set; }

    public required string Source { get; set; }

    public string? FileName { get; set; }

    public long Size { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public FileOutcome Outcome { get; set; }

    public RejectionReason? RejectionReason { get; set; }

    public string? Error { get; set; }
}

/// <summary>A report a file repeated (already stored from an earlier file), so a byte-identical upload of that file can be answered.</summary>
public sealed class DuplicateReportEntity
{
    public long FileId { get; set; }

    public IngestedFileEntity? File { get; set; }

    public long ReportId { get; set; }
}

internal sealed class IngestedFileConfiguration : IEntityTypeConfiguration<IngestedFileEntity>
{
    public void Configure(EntityTypeBuilder<IngestedFileEntity> builder)
    {
        builder.ToTable("ingested_files");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Id).HasColumnName("id");
        builder.Property(f => f.Sha256).HasColumnName("sha256");
        builder.Property(f => f.Source).HasColumnName("source");
        builder.Property(f => f.FileName).HasColumnName("file_name");
        builder.Property(f => f.Size).HasColumnName("size");
        builder.Property(f => f.ReceivedAt).HasColumnName("received_at");
        builder.Property(f => f.Outcome).HasColumnName("outcome").HasConversion<string>();
        builder.Property(f => f.RejectionReason).HasColumnName("rejection_reason").HasConversion<string>();
        builder.Property(f => f.Error).HasColumnName("error");
    }
}

internal sealed class DuplicateReportConfiguration : IEntityTypeConfiguration<DuplicateReportEntity>
{
    public void Configure(EntityTypeBuilder<DuplicateReportEntity> builder)
    {
        builder.ToTable("duplicate_reports");
        builder.HasKey(d => new { d.FileId, d.ReportId });
        builder.Property(d => d.FileId).HasColumnName("file_id");
        builder.Property(d => d.ReportId).HasColumnName("report_id");
        builder.HasOne(d => d.File).WithMany().HasForeignKey(d => d.FileId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Reports.ReportEntity>().WithMany().HasForeignKey(d => d.ReportId).OnDelete(DeleteBehavior.Cascade);
    }
}
