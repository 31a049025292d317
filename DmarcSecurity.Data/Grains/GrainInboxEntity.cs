using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Grains;

/// <summary>An event waiting for its grain (see 0003_grains.sql). Written by <see cref="IGrainInboxWriter"/>, consumed by the silos.</summary>
public sealed class GrainInboxEntity
{
    public long Id { get; set; }

    public int Partition { get; set; }

    public required string GrainType { get; set; }

    public required string GrainKey { get; set; }

    public required string EventType { get; set; }

    public required string Payload { get; set; }

    public DateTimeOffset EnqueuedAt { get; set; }
}

internal sealed class GrainInboxConfiguration : IEntityTypeConfiguration<GrainInboxEntity>
{
    public void Configure(EntityTypeBuilder<GrainInboxEntity> builder)
    {
        builder.ToTable("grain_inbox");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasColumnName("id");
        builder.Property(e => e.Partition).HasColumnName("partition");
        builder.Property(e => e.GrainType).HasColumnName("grain_type");
        builder.Property(e => e.GrainKey).HasColumnName("grain_key");
        builder.Property(e => e.EventType).HasColumnName("event_type");
        builder.Property(e => e.Payload).HasColumnName("payload");
        builder.Property(e => e.EnqueuedAt).HasColumnName("enqueued_at");
        builder.HasIndex(e => new { e.Partition, e.Id }).HasDatabaseName("ix_grain_inbox_partition_id");
    }
}
