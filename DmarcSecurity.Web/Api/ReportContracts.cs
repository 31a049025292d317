namespace DmarcSecurity.Web.Api;

public sealed record ReportSummaryDto(
    long Id, string Format, string OrgName, string? ReporterEmail, string ReportId, DateTimeOffset Begin, DateTimeOffset End,
    string PolicyDomain, string PolicyP, int RecordCount, long MessageCount, long FileId, DateTimeOffset ReceivedAt);

public sealed record PolicyPublishedDto(
    string Domain, string Adkim, string Aspf, string P, string Sp, string? Np, int? Pct, string? Fo, string? Testing, string? DiscoveryMethod);

public sealed record DkimResultDto(string Domain, string? Selector, string Result, string? HumanResult);

public sealed record SpfResultDto(string Domain, string? Scope, string Result);

public sealed record OverrideReasonDto(string Type, string? Comment);

public sealed record RecordDto(
    long Id, long ReportId, string SourceIp, long Count, string Disposition, string DkimPolicyResult, string SpfPolicyResult,
    IReadOnlyList<OverrideReasonDto> Reasons, string HeaderFrom, string? EnvelopeFrom, string? EnvelopeTo,
    IReadOnlyList<DkimResultDto> Dkim, IReadOnlyList<SpfResultDto> Spf, bool HasNonStandardValues);

/// <param name="RawXmlStored">False when the XML was over the archive cap: GET /api/reports/{id}/xml answers 404.</param>
public sealed record ReportDetailDto(
    ReportSummaryDto Summary, string? Version, string? ExtraContactInfo, string? Generator, IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings, int SkippedRecords, PolicyPublishedDto Policy, bool RawXmlStored, IReadOnlyList<RecordDto> Records)
{
    /// <summary>Copies of this report that arrived with other content.</summary>
    public IReadOnlyList<long> ConflictIds { get; init; } = [];
}

/// <summary>A report that arrived again with other content, kept apart (<c>GET /api/report-conflicts</c>).</summary>
public sealed record ReportConflictSummaryDto(
    long Id, long ReportId, string OrgName, string ReporterReportId, string PolicyDomain, DateTimeOffset Begin, DateTimeOffset End,
    DateTimeOffset DetectedAt, long FileId, string? FileName, string Source, int StoredRecords, long StoredMessages, int CopyRecords, long CopyMessages);

public sealed record ComparedPolicyDto(string Adkim, string Aspf, string P, string Sp, string? Np, int? Pct);

public sealed record ComparedTotalsDto(int Records, long Messages, long DkimPass, long SpfPass);

public sealed record RecordDifferenceDto(
    string SourceIp, string HeaderFrom, string? EnvelopeFrom, string? EnvelopeTo, string Disposition, string DkimPolicyResult, string SpfPolicyResult,
    long StoredCount, long CopyCount);

/// <summary>One conflicting copy compared with its stored report (<c>GET /api/report-conflicts/{id}</c>).</summary>
public sealed record ReportConflictDetailDto(
    ReportConflictSummaryDto Summary, ComparedPolicyDto StoredPolicy, ComparedPolicyDto CopyPolicy, ComparedTotalsDto Stored, ComparedTotalsDto Copy,
    int DifferingRows, int SameRows, IReadOnlyList<RecordDifferenceDto> Differences);
