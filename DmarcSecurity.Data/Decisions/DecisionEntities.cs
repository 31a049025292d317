using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Decisions;

public enum ReviewStatus
{
    /// <summary>The decision needs no analyst (block, reassess, monitor, or suppressed by the allowlist).</summary>
    NotRequired,
    Pending,
    Approved,
    Dismissed,
}

/// <summary>What a source-IP grain decided about an address, with the score breakdown that led there.</summary>
public sealed class DecisionEntity
{
    /// <summary>Made by the grain, deterministic per grain and sequence, so a retried batch writes the same id.</summary>
    public Guid Id { get; set; }

    public required string Ip { get; set; }

    /// <summary>Ip or Cidr.</summary>
    public required string Scope { get; set; }

    public required string Cidr { get; set; }

    /// <summary>None, Monitor, Reassess, Review or Block.</summary>
    public required string Action { get; set; }

    public required string Severity { get; set; }

    public double Score { get; set; }

    /// <summary>JSON: the five components with value, weight, contribution and inputs.</summary>
    public required string Breakdown { get; set; }

    public long TtlSeconds { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public required string Origin { get; set; }

    public required string Reason { get; set; }

    /// <summary>Dry run: recorded and shown, never enforced.</summary>
    public bool Simulated { get; set; }

    public bool SuppressedByAllowlist { get; set; }

    public string? AllowlistReason { get; set; }

    public int RepeatOffences { get; set; }

    public Guid? Supersedes { get; set; }

    public ReviewStatus ReviewStatus { get; set; }

    public string? ReviewedBy { get; set; }

    public DateTimeOffset? ReviewedAt { get; set; }

    public string? ReviewComment { get; set; }
}

/// <summary>Addresses and blocks that are never blocked: a decision about them is recorded as suppressed.</summary>
public sealed class AllowlistEntity
{
    public long Id { get; set; }

    /// <summary>An address or CIDR block in canonical text.</summary>
    public required string Network { get; set; }

    public required string Reason { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A message that must leave the system (a notification, an enforcement), written with the change that caused it
/// and drained by a dispatcher.</summary>
public sealed class OutboxMessageEntity
{
    public long Id { get; set; }

    /// <summary>Notify or Enforce.</summary>
    public required string Channel { get; set; }

    public required string MessageType { get; set; }

    public required string Payload { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public int Attempts { get; set; }
}

internal sealed class DecisionConfiguration : IEntityTypeConfiguration<DecisionEntity>
{
    public void Configure(EntityTypeBuilder<DecisionEntity> builder)
    {
        builder.ToTable("decisions");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).HasColumnName("id");
        builder.Property(d => d.Ip).HasColumnName("ip");
        builder.Property(d => d.Scope).HasColumnName("scope");
        builder.Property(d => d.Cidr).HasColumnName("cidr");
        builder.Property(d => d.Action).HasColumnName("action");
        builder.Property(d => d.Severity).HasColumnName("severity");
        builder.Property(d => d.Score).HasColumnName("score");
        builder.Property(d => d.Breakdown).HasColumnName("breakdown");
        builder.Property(d => d.TtlSeconds).HasColumnName("ttl_seconds");
        builder.Property(d => d.IssuedAt).HasColumnName("issued_at");
        builder.Property(d => d.ExpiresAt).HasColumnName("expires_at");
        builder.Property(d => d.Origin).HasColumnName("origin");
        builder.Property(d => d.Reason).HasColumnName("reason");
        builder.Property(d => d.Simulated).HasColumnName("simulated");
        builder.Property(d => d.SuppressedByAllowlist).HasColumnName("suppressed_by_allowlist");
        builder.Property(d => d.AllowlistReason).HasColumnName("allowlist_reason");
        builder.Property(d => d.RepeatOffences).HasColumnName("repeat_offences");
        builder.Property(d => d.Supersedes).HasColumnName("supersedes");
        builder.Property(d => d.ReviewStatus).HasColumnName("review_status").HasConversion<string>();
        builder.Property(d => d.ReviewedBy).HasColumnName("reviewed_by");
        builder.Property(d => d.ReviewedAt).HasColumnName("reviewed_at");
        builder.Property(d => d.ReviewComment).HasColumnName("review_comment");
    }
}

internal sealed class AllowlistConfiguration : IEntityTypeConfiguration<AllowlistEntity>
{
    public void Configure(EntityTypeBuilder<AllowlistEntity> builder)
    {
        builder.ToTable("allowlist");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasColumnName("id");
        builder.Property(a => a.Network).HasColumnName("network");
        builder.Property(a => a.Reason).HasColumnName("reason");
        builder.Property(a => a.CreatedBy).HasColumnName("created_by");
        builder.Property(a => a.CreatedAt).HasColumnName("created_at");
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessageEntity>
{
    public void Configure(EntityTypeBuilder<OutboxMessageEntity> builder)
    {
        builder.ToTable("outbox");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).HasColumnName("id");
        builder.Property(o => o.Channel).HasColumnName("channel");
        builder.Property(o => o.MessageType).HasColumnName("message_type");
        builder.Property(o => o.Payload).HasColumnName("payload");
        builder.Property(o => o.CreatedAt).HasColumnName("created_at");
        builder.Property(o => o.DispatchedAt).HasColumnName("dispatched_at");
        builder.Property(o => o.Attempts).HasColumnName("attempts");
    }
}
