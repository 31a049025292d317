using DmarcSecurity.Core.Ids;
using DmarcSecurity.Data.Ingestion;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Ids;

/// <summary>One IDS log that reached the platform, with what was read from it.</summary>
public sealed class IdsIngestionEntity
{
    public long Id { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary><c>upload:&lt;who&gt;</c> or <c>tail:&lt;name&gt;</c>.</summary>
    public required string Source { get; set; }

    public string? FileName { get; set; }

    public long Size { get; set; }

    public required string Sha256 { get; set; }

    /// <summary>As detected or named; null when the content was not a log the platform reads.</summary>
    public IdsFormat? Format { get; set; }

    public FileOutcome Outcome { get; set; }

    public string? Error { get; set; }

    /// <summary>Lines looked at (not comments or blank lines).</summary>
    public long Lines { get; set; }

    public long Events { get; set; }

    /// <summary>Alerts and notices stored.</summary>
    public long Alerts { get; set; }

    public long Connections { get; set; }

    public long Unreadable { get; set; }

    /// <summary>Lines read but not taken (EVE events other than alerts, Zeek logs other than conn and notice), as a
    /// JSON object of counts by reason.</summary>
    public string Skipped { get; set; } = "{}";

    /// <summary>The first unreadable lines, as a JSON array of {line, reason}.</summary>
    public string LineErrors { get; set; } = "[]";

    /// <summary>Source addresses the log named.</summary>
    public int Sources { get; set; }
}

/// <summary>One IDS alert or notice as the sensor wrote it.</summary>
public sealed class IdsAlertEntity
{
    public long Id { get; set; }

    public long IngestionId { get; set; }

    public DateTimeOffset At { get; set; }

    public IdsEventKind Kind { get; set; }

    public IdsSensor Sensor { get; set; }

    public required string SourceIp { get; set; }

    public int? SourcePort { get; set; }

    public string? DestinationIp { get; set; }

    public int? DestinationPort { get; set; }

    public string? Protocol { get; set; }

    public required string Signature { get; set; }

    public string? SignatureId { get; set; }

    public string? Classification { get; set; }

    public int? Priority { get; set; }

    public string? Action { get; set; }
}

internal sealed class IdsIngestionConfiguration : IEntityTypeConfiguration<IdsIngestionEntity>
{
    public void Configure(EntityTypeBuilder<IdsIngestionEntity> builder)
    {
        builder.ToTable("ids_ingestions");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).HasColumnName("id");
        builder.Property(i => i.ReceivedAt).HasColumnName("received_at");
        builder.Property(i => i.Source).HasColumnName("source");
        builder.Property(i => i.FileName).HasColumnName("file_name");
        builder.Property(i => i.Size).HasColumnName("size");
        builder.Property(i => i.Sha256).HasColumnName("sha256");
        builder.Property(i => i.Format).HasColumnName("format").HasConversion<string>();
        builder.Property(i => i.Outcome).HasColumnName("outcome").HasConversion<string>();
        builder.Property(i => i.Error).HasColumnName("error");
        builder.Property(i => i.Lines).HasColumnName("lines");
        builder.Property(i => i.Events).HasColumnName("events");
        builder.Property(i => i.Alerts).HasColumnName("alerts");
        builder.Property(i => i.Connections).HasColumnName("connections");
        builder.Property(i => i.Unreadable).HasColumnName("unreadable");
        builder.Property(i => i.Skipped).HasColumnName("skipped");
        builder.Property(i => i.LineErrors).HasColumnName("line_errors");
        builder.Property(i => i.Sources).HasColumnName("sources");
    }
}

internal sealed class IdsAlertConfiguration : IEntityTypeConfiguration<IdsAlertEntity>
{
    public void Configure(EntityTypeBuilder<IdsAlertEntity> builder)
    {
        builder.ToTable("ids_alerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasColumnName("id");
        builder.Property(a => a.IngestionId).HasColumnName("ingestion_id");
        builder.Property(a => a.At).HasColumnName("at");
        builder.Property(a => a.Kind).HasColumnName("kind").HasConversion<string>();
        builder.Property(a => a.Sensor).HasColumnName("sensor").HasConversion<string>();
        builder.Property(a => a.SourceIp).HasColumnName("source_ip");
        builder.Property(a => a.SourcePort).HasColumnName("source_port");
        builder.Property(a => a.DestinationIp).HasColumnName("destination_ip");
        builder.Property(a => a.DestinationPort).HasColumnName("destination_port");
        builder.Property(a => a.Protocol).HasColumnName("protocol");
        builder.Property(a => a.Signature).HasColumnName("signature");
        builder.Property(a => a.SignatureId).HasColumnName("signature_id");
        builder.Property(a => a.Classification).HasColumnName("classification");
        builder.Property(a => a.Priority).HasColumnName("priority");
        builder.Property(a => a.Action).HasColumnName("action");
    }
}
