using DmarcSecurity.Core.Reports;
using DmarcSecurity.Data.Ingestion;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Reports;

/// <summary>One stored aggregate report. The per-report message counters are computed at ingestion so that the
/// dashboard's totals, timeline, alignment and per-domain/per-reporter figures read reports, never records.</summary>
public sealed class ReportEntity
{
    public long Id { get; set; }

    public long FileId { get; set; }

    public IngestedFileEntity? File { get; set; }

    /// <summary>Hex SHA-256 of reporter org + report id + policy domain + begin + end: the report's identity, unique.</summary>
    public required string IdentityKey { get; set; }

    /// <summary>Hex SHA-256 of what the report says (<see cref="ReportContent.Fingerprint(AggregateReport)"/>); null for
    /// reports stored before it was kept, computed from their records when a copy of them arrives.</summary>
    public string? ContentSha256 { get; set; }

    public required string Origin { get; set; }

    public ReportFormat Format { get; set; }

    public string? Version { get; set; }

    public required string OrgName { get; set; }

    public string? ReporterEmail { get; set; }

    public string? ExtraContactInfo { get; set; }

    public required string ReportId { get; set; }

    public DateTimeOffset Begin { get; set; }

    public DateTimeOffset End { get; set; }

    public string? Generator { get; set; }

    public List<string> Errors { get; set; } = [];

    public List<string> Warnings { get; set; } = [];

    public List<string> Extensions { get; set; } = [];

    public int SkippedRecords { get; set; }

    public required string PolicyDomain { get; set; }

    public required string PolicyAdkim { get; set; }

    public required string PolicyAspf { get; set; }

    public required string PolicyP { get; set; }

    public required string PolicySp { get; set; }

    public string? PolicyNp { get; set; }

    public int? PolicyPct { get; set; }

    public string? PolicyFo { get; set; }

    public string? PolicyTesting { get; set; }

    public string? PolicyDiscoveryMethod { get; set; }

    public int RecordCount { get; set; }

    public long MessageCount { get; set; }

    public long DkimPassCount { get; set; }

    public long SpfPassCount { get; set; }

    public long BothPassCount { get; set; }

    public long NoneCount { get; set; }

    public long QuarantineCount { get; set; }

    public long RejectCount { get; set; }

    /// <summary>Uncompressed size of the report's XML, archived or not.</summary>
    public long RawXmlSize { get; set; }

    public bool RawXmlStored { get; set; }
}

/// <summary>The report's XML, gzip-compressed; a table of its own so report scans stay narrow.</summary>
public sealed class RawXmlEntity
{
    public long ReportId { get; set; }

    public ReportEntity? Report { get; set; }

    public required byte[] XmlGzip { get; set; }
}

internal sealed class ReportConfiguration : IEntityTypeConfiguration<ReportEntity>
{
    public void Configure(EntityTypeBuilder<ReportEntity> builder)
    {
        builder.ToTable("reports");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasColumnName("id");
        builder.Property(r => r.FileId).HasColumnName("file_id");
        builder.HasOne(r => r.File).WithMany().HasForeignKey(r => r.FileId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(r => r.IdentityKey).HasColumnName("identity_key");
        builder.Property(r => r.ContentSha256).HasColumnName("content_sha256");
        builder.Property(r => r.Origin).HasColumnName("origin");
        builder.Property(r => r.Format).HasColumnName("format").HasConversion<string>();
        builder.Property(r => r.Version).HasColumnName("version");
        builder.Property(r => r.OrgName).HasColumnName("org_name");
        builder.Property(r => r.ReporterEmail).HasColumnName("reporter_email");
        builder.Property(r => r.ExtraContactInfo).HasColumnName("extra_contact_info");
        builder.Property(r => r.ReportId).HasColumnName("report_id");
        builder.Property(r => r.Begin).HasColumnName("begin_at");
        builder.Property(r => r.End).HasColumnName("end_at");
        builder.Property(r => r.Generator).HasColumnName("generator");
        builder.Property(r => r.Errors).HasColumnName("errors");
        builder.Property(r => r.Warnings).HasColumnName("warnings");
        builder.Property(r => r.Extensions).HasColumnName("extensions");
        builder.Property(r => r.SkippedRecords).HasColumnName("skipped_records");
        builder.Property(r => r.PolicyDomain).HasColumnName("policy_domain");
        builder.Property(r => r.PolicyAdkim).HasColumnName("policy_adkim");
        builder.Property(r => r.PolicyAspf).HasColumnName("policy_aspf");
        builder.Property(r => r.PolicyP).HasColumnName("policy_p");
        builder.Property(r => r.PolicySp).HasColumnName("policy_sp");
        builder.Property(r => r.PolicyNp).HasColumnName("policy_np");
        builder.Property(r => r.PolicyPct).HasColumnName("policy_pct");
        builder.Property(r => r.PolicyFo).HasColumnName("policy_fo");
        builder.Property(r => r.PolicyTesting).HasColumnName("policy_testing");
        builder.Property(r => r.PolicyDiscoveryMethod).HasColumnName("policy_discovery_method");
        builder.Property(r => r.RecordCount).HasColumnName("record_count");
        builder.Property(r => r.MessageCount).HasColumnName("message_count");
        builder.Property(r => r.DkimPassCount).HasColumnName("dkim_pass_count");
        builder.Property(r => r.SpfPassCount).HasColumnName("spf_pass_count");
        builder.Property(r => r.BothPassCount).HasColumnName("both_pass_count");
        builder.Property(r => r.NoneCount).HasColumnName("none_count");
        builder.Property(r => r.QuarantineCount).HasColumnName("quarantine_count");
        builder.Property(r => r.RejectCount).HasColumnName("reject_count");
        builder.Property(r => r.RawXmlSize).HasColumnName("raw_xml_size");
        builder.Property(r => r.RawXmlStored).HasColumnName("raw_xml_stored");
    }
}

internal sealed class RawXmlConfiguration : IEntityTypeConfiguration<RawXmlEntity>
{
    public void Configure(EntityTypeBuilder<RawXmlEntity> builder)
    {
        builder.ToTable("report_raw_xml");
        builder.HasKey(x => x.ReportId);
        builder.Property(x => x.ReportId).HasColumnName("report_id").ValueGeneratedNever();
        builder.Property(x => x.XmlGzip).HasColumnName("xml_gzip");
        builder.HasOne(x => x.Report).WithOne().HasForeignKey<RawXmlEntity>(x => x.ReportId).OnDelete(DeleteBehavior.Cascade);
    }
}
