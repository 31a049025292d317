using DmarcSecurity.Data.Ingestion;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.FailureReports;

/// <summary>One stored DMARC failure report (RFC 6591): one message that failed authentication at a receiver.</summary>
public sealed class FailureReportEntity
{
    public long Id { get; set; }

    public long FileId { get; set; }

    public IngestedFileEntity? File { get; set; }

    /// <summary>Hex SHA-256 of reporter + original Message-ID + arrival date + source IP: the report's identity, unique.</summary>
    public required string IdentityKey { get; set; }

    public required string Origin { get; set; }

    public required string Reporter { get; set; }

    public required string FeedbackType { get; set; }

    public string? UserAgent { get; set; }

    public string? Version { get; set; }

    /// <summary>The report's Arrival-Date; when it gave none, when the report reached us (<see cref="ArrivalDateGiven"/> false).</summary>
    public DateTimeOffset ArrivalAt { get; set; }

    public bool ArrivalDateGiven { get; set; }

    public required string SourceIp { get; set; }

    public string? ReportedDomain { get; set; }

    public string? OriginalMailFrom { get; set; }

    public List<string> OriginalRcptTo { get; set; } = [];

    public string? AuthenticationResults { get; set; }

    public List<string> AuthFailures { get; set; } = [];

    public string? DkimDomain { get; set; }

    public string? DkimIdentity { get; set; }

    public string? DkimSelector { get; set; }

    public string? SpfDns { get; set; }

    public string? DeliveryResult { get; set; }

    public string? IdentityAlignment { get; set; }

    public List<string> ReportedUris { get; set; } = [];

    public string? OriginalFrom { get; set; }

    public string? OriginalTo { get; set; }

    public string? OriginalSubject { get; set; }

    public string? OriginalDate { get; set; }

    public string? OriginalMessageId { get; set; }

    public required string OriginalHeaders { get; set; }

    /// <summary>Null unless storing bodies is turned on and the reporter sent the whole message.</summary>
    public string? OriginalBody { get; set; }
}

/// <summary>A failure report a file repeated (already stored from an earlier file).</summary>
public sealed class DuplicateFailureReportEntity
{
    public long FileId { get; set; }

    public IngestedFileEntity? File { get; set; }

    public long FailureReportId { get; set; }
}

internal sealed class FailureReportConfiguration : IEntityTypeConfiguration<FailureReportEntity>
{
    public void Configure(EntityTypeBuilder<FailureReportEntity> builder)
    {
        builder.ToTable("failure_reports");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasColumnName("id");
        builder.Property(r => r.FileId).HasColumnName("file_id");
        builder.HasOne(r => r.File).WithMany().HasForeignKey(r => r.FileId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(r => r.IdentityKey).HasColumnName("identity_key");
        builder.Property(r => r.Origin).HasColumnName("origin");
        builder.Property(r => r.Reporter).HasColumnName("reporter");
        builder.Property(r => r.FeedbackType).HasColumnName("feedback_type");
        builder.Property(r => r.UserAgent).HasColumnName("user_agent");
        builder.Property(r => r.Version).HasColumnName("version");
        builder.Property(r => r.ArrivalAt).HasColumnName("arrival_at");
        builder.Property(r => r.ArrivalDateGiven).HasColumnName("arrival_date_given");
        builder.Property(r => r.SourceIp).HasColumnName("source_ip");
        builder.Property(r => r.ReportedDomain).HasColumnName("reported_domain");
        builder.Property(r => r.OriginalMailFrom).HasColumnName("original_mail_from");
        builder.Property(r => r.OriginalRcptTo).HasColumnName("original_rcpt_to");
        builder.Property(r => r.AuthenticationResults).HasColumnName("authentication_results");
        builder.Property(r => r.AuthFailures).HasColumnName("auth_failures");
        builder.Property(r => r.DkimDomain).HasColumnName("dkim_domain");
        builder.Property(r => r.DkimIdentity).HasColumnName("dkim_identity");
        builder.Property(r => r.DkimSelector).HasColumnName("dkim_selector");
        builder.Property(r => r.SpfDns).HasColumnName("spf_dns");
        builder.Property(r => r.DeliveryResult).HasColumnName("delivery_result");
        builder.Property(r => r.IdentityAlignment).HasColumnName("identity_alignment");
        builder.Property(r => r.ReportedUris).HasColumnName("reported_uris");
        builder.Property(r => r.OriginalFrom).HasColumnName("original_from");
        builder.Property(r => r.OriginalTo).HasColumnName("original_to");
        builder.Property(r => r.OriginalSubject).HasColumnName("original_subject");
        builder.Property(r => r.OriginalDate).HasColumnName("original_date");
        builder.Property(r => r.OriginalMessageId).HasColumnName("original_message_id");
        builder.Property(r => r.OriginalHeaders).HasColumnName("original_headers");
        builder.Property(r => r.OriginalBody).HasColumnName("original_body");
    }
}

internal sealed class DuplicateFailureReportConfiguration : IEntityTypeConfiguration<DuplicateFailureReportEntity>
{
    public void Configure(EntityTypeBuilder<DuplicateFailureReportEntity> builder)
    {
        builder.ToTable("duplicate_failure_reports");
        builder.HasKey(d => new { d.FileId, d.FailureReportId });
        builder.Property(d => d.FileId).HasColumnName("file_id");
        builder.Property(d => d.FailureReportId).HasColumnName("failure_report_id");
        builder.HasOne(d => d.File).WithMany().HasForeignKey(d => d.FileId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<FailureReportEntity>().WithMany().HasForeignKey(d => d.FailureReportId).OnDelete(DeleteBehavior.Cascade);
    }
}
