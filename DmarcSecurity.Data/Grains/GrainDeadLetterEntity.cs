using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Grains;

/// <summary>An inbox event its grain's handler could not apply (see 0005_grain_dead_letters.sql). Handlers are pure, so
/// a failure repeats on every retry: the event is set aside with the error instead of stalling its partition.</summary>
public sealed class GrainDeadLetterEntity
{
    public long Id { get; set; }

    /// <summary>The id the event had in the inbox.</summary>
    public long InboxId { get; set; }

    public int Partition { get; set; }

    public required string GrainType { get; set; }

    public required string GrainKey { get; set; }

    public required string EventType { get; set; }

    public required string Payload { get; set; }

    public DateTimeOffset EnqueuedAt { get; set; }

    public DateTimeOffset FailedAt { get; set; }

    public required string Error { get; set; }
}

internal sealed class GrainDeadLetterConfiguration : IEntityTypeConfiguration<GrainDeadLetterEntity>
{
    public void Configure(EntityTypeBuilder<GrainDeadLetterEntity> builder)
    {
        builder.ToTable("grain_dead_letters");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasColumnName("id");
        builder.Property(e => e.InboxId).HasColumnName("inbox_id");
        builder.Property(e => e.Partition).HasColumnName("partition");
        builder.Property(e => e.GrainType).HasColumnName("grain_type");
        builder.Property(e => e.GrainKey).HasColumnName("grain_key");
        builder.Property(e => e.EventType).HasColumnName("event_type");
        builder.Property(e => e.Payload).HasColumnName("payload");
        builder.Property(e => e.EnqueuedAt).HasColumnName("enqueued_at");
        builder.Property(e => e.FailedAt).HasColumnName("failed_at");
        builder.Property(e => e.Error).HasColumnName("error");
    }
}
