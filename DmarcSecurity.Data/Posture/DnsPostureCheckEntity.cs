using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Posture;

/// <summary>One check of a domain's published email-authentication DNS (DMARC, SPF, DKIM, MTA-STS, TLS-RPT); the newest
/// checks per domain are kept, so a change can be told from the one before.</summary>
public sealed class DnsPostureCheckEntity
{
    public long Id { get; set; }

    /// <summary>Lower-case, no trailing dot.</summary>
    public required string Domain { get; set; }

    public DateTimeOffset CheckedAt { get; set; }

    /// <summary><c>schedule</c>, or <c>manual:&lt;who&gt;</c>.</summary>
    public required string Trigger { get; set; }

    /// <summary>The worst finding: Ok, Warning or Error.</summary>
    public required string Worst { get; set; }

    /// <summary>The check's records, findings and SPF expansion as JSON.</summary>
    public required string Result { get; set; }
}

internal sealed class DnsPostureCheckConfiguration : IEntityTypeConfiguration<DnsPostureCheckEntity>
{
    public void Configure(EntityTypeBuilder<DnsPostureCheckEntity> builder)
    {
        builder.ToTable("dns_posture_checks");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasColumnName("id");
        builder.Property(c => c.Domain).HasColumnName("domain");
        builder.Property(c => c.CheckedAt).HasColumnName("checked_at");
        builder.Property(c => c.Trigger).HasColumnName("trigger");
        builder.Property(c => c.Worst).HasColumnName("worst");
        builder.Property(c => c.Result).HasColumnName("result");
    }
}
