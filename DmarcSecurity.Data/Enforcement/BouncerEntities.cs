using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Enforcement;

/// <summary>A remediation component (a firewall bouncer) that pulls the enforced block decisions with its own key.</summary>
public sealed class BouncerEntity
{
    public long Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the key; the key itself is shown once (or lives in configuration).</summary>
    public required string KeyHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    /// <summary>Declared in configuration (<c>Enforcement__Bouncers__&lt;name&gt;__ApiKey</c>) rather than by an Admin.</summary>
    public bool FromConfiguration { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public DateTimeOffset? LastPullAt { get; set; }
}

/// <summary>What a bouncer was last told is in force: one row per blocked value, so the next pull can tell it exactly
/// what is new and what to delete.</summary>
public sealed class BouncerDecisionEntity
{
    public long BouncerId { get; set; }

    /// <summary>An address, or a CIDR block for range decisions.</summary>
    public required string Value { get; set; }

    public Guid DecisionId { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class BouncerConfiguration : IEntityTypeConfiguration<BouncerEntity>
{
    public void Configure(EntityTypeBuilder<BouncerEntity> builder)
    {
        builder.ToTable("bouncers");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).HasColumnName("id");
        builder.Property(b => b.Name).HasColumnName("name");
        builder.Property(b => b.KeyHash).HasColumnName("key_hash");
        builder.Property(b => b.CreatedAt).HasColumnName("created_at");
        builder.Property(b => b.CreatedBy).HasColumnName("created_by");
        builder.Property(b => b.FromConfiguration).HasColumnName("from_configuration");
        builder.Property(b => b.RevokedAt).HasColumnName("revoked_at");
        builder.Property(b => b.LastPullAt).HasColumnName("last_pull_at");
    }
}

internal sealed class BouncerDecisionConfiguration : IEntityTypeConfiguration<BouncerDecisionEntity>
{
    public void Configure(EntityTypeBuilder<BouncerDecisionEntity> builder)
    {
        builder.ToTable("bouncer_decisions");
        builder.HasKey(d => new { d.BouncerId, d.Value });
        builder.Property(d => d.BouncerId).HasColumnName("bouncer_id");
        builder.Property(d => d.Value).HasColumnName("value");
        builder.Property(d => d.DecisionId).HasColumnName("decision_id");
        builder.Property(d => d.ExpiresAt).HasColumnName("expires_at");
    }
}
