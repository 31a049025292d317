using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Reports;

/// <summary>One report record. Written in bulk by <see cref="Ingestion.IRecordBulkWriter"/>, read through EF.</summary>
public sealed class RecordEntity
{
    /// <summary>SQLite only: the address as 32 hex digits of its 16-byte IPv6 (IPv4-mapped) form, so CIDR blocks
    /// become string ranges that SQLite can compare and index.</summary>
    internal const string SourceIpKey = nameof(SourceIpKey);

    public long Id { get; set; }

    public long ReportId { get; set; }

    public ReportEntity? Report { get; set; }

    public required IPAddress SourceIp { get; set; }

    public long Count { get; set; }

    public required string Disposition { get; set; }

    public required string DkimPolicyResult { get; set; }

    public required string SpfPolicyResult { get; set; }

    /// <summary>JSON array of {"type","comment"} (see <see cref="RecordJson"/>); null when there are none.</summary>
    public string? Reasons { get; set; }

    public required string HeaderFrom { get; set; }

    public string? EnvelopeFrom { get; set; }

    public string? EnvelopeTo { get; set; }

    public bool HasNonStandardValues { get; set; }

    /// <summary>The override reason naming a forwarder (<see cref="Core.Reports.ReportRecord.Forwarding"/>), else null.</summary>
    public string? Forwarding { get; set; }

    /// <summary>JSON array of {"domain","selector","result","human_result"}; null when there are none.</summary>
    public string? Dkim { get; set; }

    /// <summary>JSON array of {"domain","scope","result"}; null when there are none.</summary>
    public string? Spf { get; set; }
}

internal sealed class RecordConfiguration(DatabaseProvider provider) : IEntityTypeConfiguration<RecordEntity>
{
    public void Configure(EntityTypeBuilder<RecordEntity> builder)
    {
        builder.ToTable("records");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasColumnName("id");
        builder.Property(r => r.ReportId).HasColumnName("report_id");
        // The navigation is for queries; the schema has no foreign key here (see 0001_initial.sql), so nothing cascades.
        builder.HasOne(r => r.Report).WithMany().HasForeignKey(r => r.ReportId).OnDelete(DeleteBehavior.NoAction);
        builder.Property(r => r.SourceIp).HasColumnName("source_ip");
        builder.Property(r => r.Count).HasColumnName("count");
        builder.Property(r => r.Disposition).HasColumnName("disposition");
        builder.Property(r => r.DkimPolicyResult).HasColumnName("dkim_policy_result");
        builder.Property(r => r.SpfPolicyResult).HasColumnName("spf_policy_result");
        builder.Property(r => r.Reasons).HasColumnName("reasons");
        builder.Property(r => r.HeaderFrom).HasColumnName("header_from");
        builder.Property(r => r.EnvelopeFrom).HasColumnName("envelope_from");
        builder.Property(r => r.EnvelopeTo).HasColumnName("envelope_to");
        builder.Property(r => r.HasNonStandardValues).HasColumnName("has_non_standard_values");
        builder.Property(r => r.Forwarding).HasColumnName("forwarding");
        builder.Property(r => r.Dkim).HasColumnName("dkim");
        builder.Property(r => r.Spf).HasColumnName("spf");

        if (provider == DatabaseProvider.PostgreSql)
        {
            builder.Property(r => r.Reasons).HasColumnType("jsonb");
            builder.Property(r => r.Dkim).HasColumnType("jsonb");
            builder.Property(r => r.Spf).HasColumnType("jsonb");
        }
        else
        {
            builder.Property<string>(RecordEntity.SourceIpKey).HasColumnName("source_ip_key").IsRequired();
        }
    }
}
