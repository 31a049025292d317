using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Siem;

/// <summary>An alert or decision a SIEM target was sent.</summary>
public sealed class SiemExportEntity
{
    public required string Target { get; set; }

    /// <summary><c>alert</c> or <c>decision</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>The alert's id or the decision's id, as text.</summary>
    public required string Item { get; set; }

    public DateTimeOffset ExportedAt { get; set; }
}

internal sealed class SiemExportConfiguration : IEntityTypeConfiguration<SiemExportEntity>
{
    public void Configure(EntityTypeBuilder<SiemExportEntity> builder)
    {
        builder.ToTable("siem_exports");
        builder.HasKey(e => new { e.Target, e.Kind, e.Item });
        builder.Property(e => e.Target).HasColumnName("target");
        builder.Property(e => e.Kind).HasColumnName("kind");
        builder.Property(e => e.Item).HasColumnName("item");
        builder.Property(e => e.ExportedAt).HasColumnName("exported_at");
    }
}
