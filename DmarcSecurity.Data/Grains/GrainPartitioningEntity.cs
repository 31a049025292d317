using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Grains;

/// <summary>The one row holding the partition count P, written at first use (see <see cref="GrainPartitions"/>).</summary>
public sealed class GrainPartitioningEntity
{
    public int Id { get; set; }

    public int Partitions { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class GrainPartitioningConfiguration : IEntityTypeConfiguration<GrainPartitioningEntity>
{
    public void Configure(EntityTypeBuilder<GrainPartitioningEntity> builder)
    {
        builder.ToTable("grain_partitioning");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(e => e.Partitions).HasColumnName("partitions");
        builder.Property(e => e.CreatedAt).HasColumnName("created_at");
    }
}
