using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Grains;

/// <summary>A silo's heartbeat row. Rows whose heartbeat is older than the member expiry are deleted by the live silos.</summary>
public sealed class SiloMemberEntity
{
    public required string SiloId { get; set; }

    public required string HostName { get; set; }

    public int ProcessId { get; set; }

    /// <summary>PostgreSQL backend pid of the silo's lease connection (null on SQLite): links the row to the
    /// advisory locks the silo holds.</summary>
    public int? LeasePid { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset HeartbeatAt { get; set; }

    public int OwnedPartitions { get; set; }

    public int ActiveGrains { get; set; }

    public long EventsProcessed { get; set; }

    public double EventsPerSecond { get; set; }
}

internal sealed class SiloMemberConfiguration : IEntityTypeConfiguration<SiloMemberEntity>
{
    public void Configure(EntityTypeBuilder<SiloMemberEntity> builder)
    {
        builder.ToTable("silo_members");
        builder.HasKey(e => e.SiloId);
        builder.Property(e => e.SiloId).HasColumnName("silo_id");
        builder.Property(e => e.HostName).HasColumnName("host_name");
        builder.Property(e => e.ProcessId).HasColumnName("process_id");
        builder.Property(e => e.LeasePid).HasColumnName("lease_pid");
        builder.Property(e => e.StartedAt).HasColumnName("started_at");
        builder.Property(e => e.HeartbeatAt).HasColumnName("heartbeat_at");
        builder.Property(e => e.OwnedPartitions).HasColumnName("owned_partitions");
        builder.Property(e => e.ActiveGrains).HasColumnName("active_grains");
        builder.Property(e => e.EventsProcessed).HasColumnName("events_processed");
        builder.Property(e => e.EventsPerSecond).HasColumnName("events_per_second");
    }
}
