using DmarcSecurity.Data.Ingestion;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.TlsReports;

/// <summary>One stored SMTP TLS report (RFC 8460). Its session totals are summed over its policies at ingestion.</summary>
public sealed class TlsReportEntity
{
    public long Id { get; set; }

    public long FileId { get; set; }

    public IngestedFileEntity? File { get; set; }

    /// <summary>Hex SHA-256 of organisation + report id: the report's identity, unique.</summary>
    public required string IdentityKey { get; set; }

    public required string Origin { get; set; }

    public required string OrgName { get; set; }

    public required string ReportId { get; set; }

    public string? ContactInfo { get; set; }

    public DateTimeOffset Begin { get; set; }

    public DateTimeOffset End { get; set; }

    public int PolicyCount { get; set; }

    public long SuccessfulSessionCount { get; set; }

    public long FailedSessionCount { get; set; }

    public List<TlsPolicyEntity> Policies { get; set; } = [];
}

/// <summary>The sessions of one report to one policy domain under one policy.</summary>
public sealed class TlsPolicyEntity
{
    public long Id { get; set; }

    public long TlsReportId { get; set; }

    public TlsReportEntity? Report { get; set; }

    /// <summary><c>sts</c>, <c>tlsa</c> or <c>no-policy-found</c>.</summary>
    public required string PolicyType { get; set; }

    /// <summary>Lower-case, without a trailing dot.</summary>
    public required string PolicyDomain { get; set; }

    public List<string> PolicyStrings { get; set; } = [];

    public List<string> MxHosts { get; set; } = [];

    public long SuccessfulSessionCount { get; set; }

    public long FailedSessionCount { get; set; }

    public List<TlsFailureDetailEntity> FailureDetails { get; set; } = [];
}

public sealed class TlsFailureDetailEntity
{
    public long Id { get; set; }

    public long PolicyId { get; set; }

    public required string ResultType { get; set; }

    public string? SendingMtaIp { get; set; }

    public string? ReceivingMxHostname { get; set; }

    public string? ReceivingMxHelo { get; set; }

    public string? ReceivingIp { get; set; }

    public long FailedSessionCount { get; set; }

    public string? AdditionalInformation { get; set; }

    public string? FailureReasonCode { get; set; }
}

/// <summary>A TLS report a file repeated (already stored from an earlier file).</summary>
public sealed class DuplicateTlsReportEntity
{
    public long FileId { get; set; }

    public IngestedFileEntity? File { get; set; }

    public long TlsReportId { get; set; }
}

internal sealed class TlsReportConfiguration : IEntityTypeConfiguration<TlsReportEntity>
{
    public void Configure(EntityTypeBuilder<TlsReportEntity> builder)
    {
        builder.ToTable("tls_reports");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasColumnName("id");
        builder.Property(r => r.FileId).HasColumnName("file_id");
        builder.HasOne(r => r.File).WithMany().HasForeignKey(r => r.FileId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(r => r.IdentityKey).HasColumnName("identity_key");
        builder.Property(r => r.Origin).HasColumnName("origin");
        builder.Property(r => r.OrgName).HasColumnName("org_name");
        builder.Property(r => r.ReportId).HasColumnName("report_id");
        builder.Property(r => r.ContactInfo).HasColumnName("contact_info");
        builder.Property(r => r.Begin).HasColumnName("begin_at");
        builder.Property(r => r.End).HasColumnName("end_at");
        builder.Property(r => r.PolicyCount).HasColumnName("policy_count");
        builder.Property(r => r.SuccessfulSessionCount).HasColumnName("successful_session_count");
        builder.Property(r => r.FailedSessionCount).HasColumnName("failed_session_count");
        builder.HasMany(r => r.Policies).WithOne(p => p.Report).HasForeignKey(p => p.TlsReportId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TlsPolicyConfiguration : IEntityTypeConfiguration<TlsPolicyEntity>
{
    public void Configure(EntityTypeBuilder<TlsPolicyEntity> builder)
    {
        builder.ToTable("tls_report_policies");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasColumnName("id");
        builder.Property(p => p.TlsReportId).HasColumnName("tls_report_id");
        builder.Property(p => p.PolicyType).HasColumnName("policy_type");
        builder.Property(p => p.PolicyDomain).HasColumnName("policy_domain");
        builder.Property(p => p.PolicyStrings).HasColumnName("policy_strings");
        builder.Property(p => p.MxHosts).HasColumnName("mx_hosts");
        builder.Property(p => p.SuccessfulSessionCount).HasColumnName("successful_session_count");
        builder.Property(p => p.FailedSessionCount).HasColumnName("failed_session_count");
        builder.HasMany(p => p.FailureDetails).WithOne().HasForeignKey(f => f.PolicyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TlsFailureDetailConfiguration : IEntityTypeConfiguration<TlsFailureDetailEntity>
{
    public void Configure(EntityTypeBuilder<TlsFailureDetailEntity> builder)
    {
        builder.ToTable("tls_failure_details");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Id).HasColumnName("id");
        builder.Property(f => f.PolicyId).HasColumnName("policy_id");
        builder.Property(f => f.ResultType).HasColumnName("result_type");
        builder.Property(f => f.SendingMtaIp).HasColumnName("sending_mta_ip");
        builder.Property(f => f.ReceivingMxHostname).HasColumnName("receiving_mx_hostname");
        builder.Property(f => f.ReceivingMxHelo).HasColumnName("receiving_mx_helo");
        builder.Property(f => f.ReceivingIp).HasColumnName("receiving_ip");
        builder.Property(f => f.FailedSessionCount).HasColumnName("failed_session_count");
        builder.Property(f => f.AdditionalInformation).HasColumnName("additional_information");
        builder.Property(f => f.FailureReasonCode).HasColumnName("failure_reason_code");
    }
}

internal sealed class DuplicateTlsReportConfiguration : IEntityTypeConfiguration<DuplicateTlsReportEntity>
{
    public void Configure(EntityTypeBuilder<DuplicateTlsReportEntity> builder)
    {
        builder.ToTable("duplicate_tls_reports");
        builder.HasKey(d => new { d.FileId, d.TlsReportId });
        builder.Property(d => d.FileId).HasColumnName("file_id");
        builder.Property(d => d.TlsReportId).HasColumnName("tls_report_id");
        builder.HasOne(d => d.File).WithMany().HasForeignKey(d => d.FileId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<TlsReportEntity>().WithMany().HasForeignKey(d => d.TlsReportId).OnDelete(DeleteBehavior.Cascade);
    }
}
