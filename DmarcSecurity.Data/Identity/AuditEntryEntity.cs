using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Identity;

/// <summary>Who did what, to what, when, from where, and how it ended. Never holds a password, token or key.</summary>
public sealed class AuditEntryEntity
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public long? UserId { get; set; }

    /// <summary>The actor's e-mail at the time (or the e-mail a failed sign-in named).</summary>
    public string? UserEmail { get; set; }

    public long? ApiKeyId { get; set; }

    /// <summary>A stable name: auth.login, auth.lockout, users.create, or "POST /api/ingest/files" for requests.</summary>
    public required string Action { get; set; }

    /// <summary>What the action touched, e.g. "user:12" or "report:5".</summary>
    public string? Target { get; set; }

    public string? ClientAddress { get; set; }

    /// <summary>success, failure, denied, locked.</summary>
    public required string Outcome { get; set; }

    public int? StatusCode { get; set; }

    public string? Detail { get; set; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntryEntity>
{
    public void Configure(EntityTypeBuilder<AuditEntryEntity> builder)
    {
        // No relationships: audit rows outlive the users and keys they name (see 0002_identity.sql).
        builder.ToTable("audit_entries");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasColumnName("id");
        builder.Property(a => a.At).HasColumnName("at");
        builder.Property(a => a.UserId).HasColumnName("user_id");
        builder.Property(a => a.UserEmail).HasColumnName("user_email");
        builder.Property(a => a.ApiKeyId).HasColumnName("api_key_id");
        builder.Property(a => a.Action).HasColumnName("action");
        builder.Property(a => a.Target).HasColumnName("target");
        builder.Property(a => a.ClientAddress).HasColumnName("client_address");
        builder.Property(a => a.Outcome).HasColumnName("outcome");
        builder.Property(a => a.StatusCode).HasColumnName("status_code");
        builder.Property(a => a.Detail).HasColumnName("detail");
    }
}
