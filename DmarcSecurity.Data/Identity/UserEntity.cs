using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Identity;

/// <summary>A person who signs in. There is no self-registration: Admins create users.</summary>
public sealed class UserEntity
{
    public long Id { get; set; }

    public required string Email { get; set; }

    /// <summary>Upper-cased invariant e-mail: the unique key for look-ups.</summary>
    public required string NormalizedEmail { get; set; }

    public required string DisplayName { get; set; }

    public UserRole Role { get; set; }

    /// <summary>ASP.NET Core Identity's PasswordHasher output (PBKDF2).</summary>
    public required string PasswordHash { get; set; }

    public bool Disabled { get; set; }

    /// <summary>Set for a generated one-time password: the user must choose a password before doing anything else.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>Failed sign-ins counted since <see cref="FailedLoginWindowStart"/>.</summary>
    public int FailedLoginCount { get; set; }

    public DateTimeOffset? FailedLoginWindowStart { get; set; }

    public DateTimeOffset? LockoutEnd { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Changes whenever the user's access changes (role, password, disabled); access tokens carry it, so a
    /// token issued before the change is refused.</summary>
    public required string SecurityStamp { get; set; }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<UserEntity>
{
    public void Configure(EntityTypeBuilder<UserEntity> builder)
    {
        builder.ToTable("users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).HasColumnName("id");
        builder.Property(u => u.Email).HasColumnName("email");
        builder.Property(u => u.NormalizedEmail).HasColumnName("normalized_email");
        builder.Property(u => u.DisplayName).HasColumnName("display_name");
        builder.Property(u => u.Role).HasColumnName("role").HasConversion<string>();
        builder.Property(u => u.PasswordHash).HasColumnName("password_hash");
        builder.Property(u => u.Disabled).HasColumnName("disabled");
        builder.Property(u => u.MustChangePassword).HasColumnName("must_change_password");
        builder.Property(u => u.FailedLoginCount).HasColumnName("failed_login_count");
        builder.Property(u => u.FailedLoginWindowStart).HasColumnName("failed_login_window_start");
        builder.Property(u => u.LockoutEnd).HasColumnName("lockout_end");
        builder.Property(u => u.LastSignInAt).HasColumnName("last_sign_in_at");
        builder.Property(u => u.CreatedAt).HasColumnName("created_at");
        builder.Property(u => u.SecurityStamp).HasColumnName("security_stamp");
    }
}
