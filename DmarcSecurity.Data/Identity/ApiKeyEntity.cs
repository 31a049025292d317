using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Identity;

/// <summary>A per-user API key, shown once at creation and stored as SHA-256. It acts with its own role, which is the
/// owner's role or lower (the lower of the two is applied at use, so demoting the owner demotes the key).</summary>
public sealed class ApiKeyEntity
{
    public long Id { get; set; }

    public long UserId { get; set; }

    public required string Name { get; set; }

    /// <summary>The key's first characters, shown in lists so a person can tell keys apart; unique.</summary>
    public required string Prefix { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole key; unique.</summary>
    public required string KeyHash { get; set; }

    public UserRole Role { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public long CreatedByUserId { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Why: revoked by hand, or with the owner's password change or disabling.</summary>
    public string? RevokedReason { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKeyEntity>
{
    public void Configure(EntityTypeBuilder<ApiKeyEntity> builder)
    {
        builder.ToTable("api_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasColumnName("id");
        builder.Property(k => k.UserId).HasColumnName("user_id");
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(k => k.Name).HasColumnName("name");
        builder.Property(k => k.Prefix).HasColumnName("prefix");
        builder.Property(k => k.KeyHash).HasColumnName("key_hash");
        builder.Property(k => k.Role).HasColumnName("role").HasConversion<string>();
        builder.Property(k => k.CreatedAt).HasColumnName("created_at");
        // A record of who made the key, not a relationship (see 0002_identity.sql): the creator may be deleted first.
        builder.Property(k => k.CreatedByUserId).HasColumnName("created_by_user_id");
        builder.Property(k => k.ExpiresAt).HasColumnName("expires_at");
        builder.Property(k => k.RevokedAt).HasColumnName("revoked_at");
        builder.Property(k => k.RevokedReason).HasColumnName("revoked_reason");
        builder.Property(k => k.LastUsedAt).HasColumnName("last_used_at");
    }
}
