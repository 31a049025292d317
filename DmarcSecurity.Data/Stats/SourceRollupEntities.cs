using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Stats;

/// <summary>A stored report whose records are not rolled up yet (<see cref="SourceRollups"/>).</summary>
public sealed class RollupQueueEntity
{
    public long ReportId { get; set; }
}

/// <summary>The messages of one source address for one domain over one UTC day (source_days) or month (source_months),
/// weighted by each report's share of time in it.</summary>
public sealed class SourceRollupEntity
{
    /// <summary>UTC midnight of the day, or of the month's first day.</summary>
    public DateTimeOffset Start { get; set; }

    /// <summary>Lower-case policy domain.</summary>
    public required string Domain { get; set; }

    public required IPAddress SourceIp { get; set; }

    public double Messages { get; set; }

    /// <summary>Messages that failed DMARC.</summary>
    public double Failing { get; set; }

    /// <summary>Failing messages the receiver named a forwarder for.</summary>
    public double Forwarded { get; set; }
}

internal sealed class RollupQueueConfiguration : IEntityTypeConfiguration<RollupQueueEntity>
{
    public void Configure(EntityTypeBuilder<RollupQueueEntity> builder)
    {
        builder.ToTable("rollup_queue");
        builder.HasKey(q => q.ReportId);
        builder.Property(q => q.ReportId).HasColumnName("report_id").ValueGeneratedNever();
    }
}

/// <summary>Maps <see cref="SourceRollupEntity"/> to source_days or source_months (as a shared-type entity each).</summary>
internal static class SourceRollupConfiguration
{
    public static void Configure(ModelBuilder modelBuilder, string table, string start)
    {
        modelBuilder.SharedTypeEntity<SourceRollupEntity>(table, builder =>
        {
            builder.ToTable(table);
            // Written and read by SQL only; the table's key is (start, domain, source_ip).
            builder.HasNoKey();
            builder.Property(r => r.Start).HasColumnName(start);
            builder.Property(r => r.Domain).HasColumnName("domain");
            builder.Property(r => r.SourceIp).HasColumnName("source_ip");
            builder.Property(r => r.Messages).HasColumnName("messages");
            builder.Property(r => r.Failing).HasColumnName("failing");
            builder.Property(r => r.Forwarded).HasColumnName("forwarded");
        });
    }
}

/// <summary>Every domain's rolled-up rows of one UTC day or month, packed (<see cref="SourcePack"/>; PostgreSQL only).</summary>
public sealed class SourcePackEntity
{
    /// <summary><c>day</c> or <c>month</c>.</summary>
    public required string Period { get; set; }

    /// <summary>UTC midnight of the day, or of the month's first day.</summary>
    public DateTimeOffset Bucket { get; set; }

    /// <summary>Null while the roll-up has changed the day or month since it was last packed.</summary>
    public byte[]? Data { get; set; }
}

internal sealed class SourcePackConfiguration : IEntityTypeConfiguration<SourcePackEntity>
{
    public void Configure(EntityTypeBuilder<SourcePackEntity> builder)
    {
        // Written and read by SQL only.
        builder.ToTable("source_packs");
        builder.HasKey(p => new { p.Period, p.Bucket });
        builder.Property(p => p.Period).HasColumnName("period");
        builder.Property(p => p.Bucket).HasColumnName("bucket");
        builder.Property(p => p.Data).HasColumnName("data");
    }
}
