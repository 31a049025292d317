using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Grains;

/// <summary>The stored state of one grain. <see cref="Version"/> rises by one with every write; the silos write with
/// <c>WHERE version = expected</c>, so a writer holding an older state fails instead of overwriting.</summary>
public sealed class GrainStateEntity
{
    public required string GrainType { get; set; }

    public required string GrainKey { get; set; }

    public int Partition { get; set; }

    public long Version { get; set; }

    /// <summary>JSON, in the shape its grain type defines.</summary>
    public required string State { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class GrainStateConfiguration : IEntityTypeConfiguration<GrainStateEntity>
{
    public void Configure(EntityTypeBuilder<GrainStateEntity> builder)
    {
        builder.ToTable("grain_states");
        builder.HasKey(e => new { e.GrainType, e.GrainKey });
        builder.Property(e => e.GrainType).HasColumnName("grain_type");
        builder.Property(e => e.GrainKey).HasColumnName("grain_key");
        builder.Property(e => e.Partition).HasColumnName("partition");
        builder.Property(e => e.Version).HasColumnName("version").IsConcurrencyToken();
        builder.Property(e => e.State).HasColumnName("state");
        builder.Property(e => e.UpdatedAt).HasColumnName("updated_at");
    }
}
