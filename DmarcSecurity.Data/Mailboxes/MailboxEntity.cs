using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Mailboxes;

/// <summary>An IMAP mailbox an Admin added in the UI or the API (those declared in configuration are not stored). The
/// password is kept only as a Data Protection payload, bound to the mailbox's name.</summary>
public sealed class MailboxEntity
{
    public long Id { get; set; }

    /// <summary>Unique, case-insensitively, and never the name of a configured mailbox.</summary>
    public required string Name { get; set; }

    public required string Host { get; set; }

    /// <summary>0: the default of its security (993 or 143).</summary>
    public int Port { get; set; }

    /// <summary>None, StartTls or SslOnConnect.</summary>
    public required string Security { get; set; }

    public required string UserName { get; set; }

    /// <summary>The IMAP password, protected.</summary>
    public required string PasswordProtected { get; set; }

    public required string Folder { get; set; }

    public required string ArchiveFolder { get; set; }

    public required string InvalidFolder { get; set; }

    public long PollIntervalMs { get; set; }

    public bool UseIdle { get; set; }

    /// <summary>SHA-256 of the one server certificate trusted besides the system's authorities, as 64 hex digits.</summary>
    public string? CertificateFingerprint { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public required string UpdatedBy { get; set; }
}

internal sealed class MailboxConfiguration : IEntityTypeConfiguration<MailboxEntity>
{
    public void Configure(EntityTypeBuilder<MailboxEntity> builder)
    {
        builder.ToTable("mailboxes");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasColumnName("id");
        builder.Property(m => m.Name).HasColumnName("name");
        builder.Property(m => m.Host).HasColumnName("host");
        builder.Property(m => m.Port).HasColumnName("port");
        builder.Property(m => m.Security).HasColumnName("security");
        builder.Property(m => m.UserName).HasColumnName("user_name");
        builder.Property(m => m.PasswordProtected).HasColumnName("password_protected");
        builder.Property(m => m.Folder).HasColumnName("folder");
        builder.Property(m => m.ArchiveFolder).HasColumnName("archive_folder");
        builder.Property(m => m.InvalidFolder).HasColumnName("invalid_folder");
        builder.Property(m => m.PollIntervalMs).HasColumnName("poll_interval_ms");
        builder.Property(m => m.UseIdle).HasColumnName("use_idle");
        builder.Property(m => m.CertificateFingerprint).HasColumnName("certificate_fingerprint");
        builder.Property(m => m.CreatedAt).HasColumnName("created_at");
        builder.Property(m => m.CreatedBy).HasColumnName("created_by");
        builder.Property(m => m.UpdatedAt).HasColumnName("updated_at");
        builder.Property(m => m.UpdatedBy).HasColumnName("updated_by");
    }
}
