using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Alerts;

public enum AlertStatus
{
    Open,
    Acknowledged,
    Resolved,
}

/// <summary>An alert rule's editable settings. The rule's logic lives in the grains; its key names it.</summary>
public sealed class AlertRuleEntity
{
    public required string Key { get; set; }

    public bool Enabled { get; set; }

    /// <summary>Info, Low, Medium, High or Critical.</summary>
    public required string Severity { get; set; }

    public long CooldownSeconds { get; set; }

    /// <summary>JSON object of named thresholds, e.g. {"minMessages":100,"ratio":2}.</summary>
    public required string Thresholds { get; set; }

    public required string Description { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public string? UpdatedBy { get; set; }
}

/// <summary>An alert raised by a grain. While it is not resolved, a repeat of its fingerprint raises
/// <see cref="Occurrences"/> instead of opening another alert.</summary>
public sealed class AlertEntity
{
    public long Id { get; set; }

    /// <summary>SHA-256 of rule + grain key + discriminators; unique among unresolved alerts.</summary>
    public required string Fingerprint { get; set; }

    public required string RuleKey { get; set; }

    public required string Severity { get; set; }

    public required string GrainType { get; set; }

    public required string GrainKey { get; set; }

    public required string Title { get; set; }

    public required string Detail { get; set; }

    /// <summary>JSON object of the values that distinguish this alert from others of the same rule and key.</summary>
    public required string Discriminators { get; set; }

    public AlertStatus Status { get; set; }

    public int Occurrences { get; set; }

    public DateTimeOffset FirstSeenAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    public DateTimeOffset? AcknowledgedAt { get; set; }

    public string? AcknowledgedBy { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    public string? ResolvedBy { get; set; }
}

/// <summary>Every change of an alert: created, repeated, acknowledged, resolved — who, when and why.</summary>
public sealed class AlertHistoryEntity
{
    public long Id { get; set; }

    public long AlertId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Action { get; set; }

    public string? By { get; set; }

    public string? Comment { get; set; }
}

/// <summary>Silences alerts for a domain, an IP or CIDR block, or a rule, from <see cref="Start"/> until <see cref="End"/> (open-ended when null).</summary>
public sealed class SuppressionEntity
{
    public long Id { get; set; }

    /// <summary>Domain, Network or Rule.</summary>
    public required string Scope { get; set; }

    public required string Value { get; set; }

    public DateTimeOffset Start { get; set; }

    public DateTimeOffset? End { get; set; }

    public required string Reason { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class AlertRuleConfiguration : IEntityTypeConfiguration<AlertRuleEntity>
{
    public void Configure(EntityTypeBuilder<AlertRuleEntity> builder)
    {
        builder.ToTable("alert_rules");
        builder.HasKey(r => r.Key);
        builder.Property(r => r.Key).HasColumnName("key");
        builder.Property(r => r.Enabled).HasColumnName("enabled");
        builder.Property(r => r.Severity).HasColumnName("severity");
        builder.Property(r => r.CooldownSeconds).HasColumnName("cooldown_seconds");
        builder.Property(r => r.Thresholds).HasColumnName("thresholds");
        builder.Property(r => r.Description).HasColumnName("description");
        builder.Property(r => r.UpdatedAt).HasColumnName("updated_at");
        builder.Property(r => r.UpdatedBy).HasColumnName("updated_by");
    }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<AlertEntity>
{
    public void Configure(EntityTypeBuilder<AlertEntity> builder)
    {
        builder.ToTable("alerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasColumnName("id");
        builder.Property(a => a.Fingerprint).HasColumnName("fingerprint");
        builder.Property(a => a.RuleKey).HasColumnName("rule_key");
        builder.Property(a => a.Severity).HasColumnName("severity");
        builder.Property(a => a.GrainType).HasColumnName("grain_type");
        builder.Property(a => a.GrainKey).HasColumnName("grain_key");
        builder.Property(a => a.Title).HasColumnName("title");
        builder.Property(a => a.Detail).HasColumnName("detail");
        builder.Property(a => a.Discriminators).HasColumnName("discriminators");
        builder.Property(a => a.Status).HasColumnName("status").HasConversion<string>();
        builder.Property(a => a.Occurrences).HasColumnName("occurrences");
        builder.Property(a => a.FirstSeenAt).HasColumnName("first_seen_at");
        builder.Property(a => a.LastSeenAt).HasColumnName("last_seen_at");
        builder.Property(a => a.AcknowledgedAt).HasColumnName("acknowledged_at");
        builder.Property(a => a.AcknowledgedBy).HasColumnName("acknowledged_by");
        builder.Property(a => a.ResolvedAt).HasColumnName("resolved_at");
        builder.Property(a => a.ResolvedBy).HasColumnName("resolved_by");
    }
}

internal sealed class AlertHistoryConfiguration : IEntityTypeConfiguration<AlertHistoryEntity>
{
    public void Configure(EntityTypeBuilder<AlertHistoryEntity> builder)
    {
        builder.ToTable("alert_history");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.Id).HasColumnName("id");
        builder.Property(h => h.AlertId).HasColumnName("alert_id");
        builder.HasOne<AlertEntity>().WithMany().HasForeignKey(h => h.AlertId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(h => h.At).HasColumnName("at");
        builder.Property(h => h.Action).HasColumnName("action");
        builder.Property(h => h.By).HasColumnName("by");
        builder.Property(h => h.Comment).HasColumnName("comment");
    }
}

internal sealed class SuppressionConfiguration : IEntityTypeConfiguration<SuppressionEntity>
{
    public void Configure(EntityTypeBuilder<SuppressionEntity> builder)
    {
        builder.ToTable("suppressions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasColumnName("id");
        builder.Property(s => s.Scope).HasColumnName("scope");
        builder.Property(s => s.Value).HasColumnName("value");
        builder.Property(s => s.Start).HasColumnName("start_at");
        builder.Property(s => s.End).HasColumnName("end_at");
        builder.Property(s => s.Reason).HasColumnName("reason");
        builder.Property(s => s.CreatedBy).HasColumnName("created_by");
        builder.Property(s => s.CreatedAt).HasColumnName("created_at");
    }
}
