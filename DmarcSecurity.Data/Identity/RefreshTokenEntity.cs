using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Identity;

/// <summary>A refresh token, stored only as the SHA-256 of its value. Every use rotates it: the used row is revoked and
/// points at its successor in the same family. Presenting a revoked token revokes the whole family.</summary>
public sealed class RefreshTokenEntity
{
    public long Id { get; set; }

    public long UserId { get; set; }

    /// <summary>All tokens descended from one sign-in share a family.</summary>
    public Guid FamilyId { get; set; }

    /// <summary>Lower-case hex SHA-256 of the token; unique.</summary>
    public required string TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>rotated, reuse, logout, password-changed, user-disabled.</summary>
    public string? RevokedReason { get; set; }

    public long? ReplacedById { get; set; }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshTokenEntity>
{
    public void Configure(EntityTypeBuilder<RefreshTokenEntity> builder)
    {
        builder.ToTable("refresh_tokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasColumnName("id");
        builder.Property(t => t.UserId).HasColumnName("user_id");
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(t => t.FamilyId).HasColumnName("family_id");
        builder.Property(t => t.TokenHash).HasColumnName("token_hash");
        builder.Property(t => t.CreatedAt).HasColumnName("created_at");
        builder.Property(t => t.ExpiresAt).HasColumnName("expires_at");
        builder.Property(t => t.RevokedAt).HasColumnName("revoked_at");
        builder.Property(t => t.RevokedReason).HasColumnName("revoked_reason");
        // No foreign key (see 0002_identity.sql): the chain is only followed for diagnosis, and the whole family goes with its user.
        builder.Property(t => t.ReplacedById).HasColumnName("replaced_by_id");
    }
}
