using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Senders;

/// <summary>A sending service an analyst marked as sending for a domain on its behalf (its newsletter platform, its
/// ticketing system, its mailbox provider). The domain's senders view and policy readiness are judged against these.</summary>
public sealed class AuthorisedServiceEntity
{
    /// <summary>Lower-case, no trailing dot.</summary>
    public required string Domain { get; set; }

    /// <summary>As the senders view names it: the service from the services map, else the reverse DNS base domain, else
    /// the network's organisation.</summary>
    public required string Service { get; set; }

    public required string AuthorisedBy { get; set; }

    public DateTimeOffset AuthorisedAt { get; set; }

    public string? Note { get; set; }
}

internal sealed class AuthorisedServiceConfiguration : IEntityTypeConfiguration<AuthorisedServiceEntity>
{
    public void Configure(EntityTypeBuilder<AuthorisedServiceEntity> builder)
    {
        builder.ToTable("authorised_services");
        builder.HasKey(s => new { s.Domain, s.Service });
        builder.Property(s => s.Domain).HasColumnName("domain");
        builder.Property(s => s.Service).HasColumnName("service");
        builder.Property(s => s.AuthorisedBy).HasColumnName("authorised_by");
        builder.Property(s => s.AuthorisedAt).HasColumnName("authorised_at");
        builder.Property(s => s.Note).HasColumnName("note");
    }
}
