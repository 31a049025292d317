namespace DmarcSecurity.Data.Reports;

/// <summary>Paging and sorting, the same on every list endpoint. Page is 1-based; PageSize 1..500 (default 50).
/// Sort is a field name, prefixed with '-' for descending (e.g. "-begin").</summary>
public sealed record PageRequest(int Page = 1, int PageSize = 50, string? Sort = null)
{
    public const int MaxPageSize = 500;
}

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, long TotalCount);

/// <summary>Filters shared by report, record and stats queries. A date range selects reports whose interval overlaps [From, To).</summary>
public sealed record ReportFilter(string? Domain = null, string? Reporter = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>Record filters: SourceIp is an address or a CIDR block; results compared case-insensitively.</summary>
public sealed record RecordFilter(
    string? Domain = null,
    string? SourceIp = null,
    string? Disposition = null,
    string? Dkim = null,
    string? Spf = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null);

public sealed record ReportSummaryDto(
    long Id,
    string Format,
    string OrgName,
    string? ReporterEmail,
    string ReportId,
    DateTimeOffset Begin,
    DateTimeOffset End,
    string PolicyDomain,
    string PolicyP,
    int RecordCount,
    long MessageCount,
    long FileId,
    DateTimeOffset ReceivedAt);

public sealed record PolicyPublishedDto(
    string Domain, string Adkim, string Aspf, string P, string Sp, string? Np, int? Pct, string? Fo, string? Testing, string? DiscoveryMethod);

public sealed record DkimResultDto(string Domain, string? Selector, string Result, string? HumanResult);

public sealed record SpfResultDto(string Domain, string? Scope, string Result);

public sealed record OverrideReasonDto(string Type, string? Comment);

public sealed record RecordDto(
    long Id,
    long ReportId,
    string SourceIp,
    long Count,
    string Disposition,
    string DkimPolicyResult,
    string SpfPolicyResult,
    IReadOnlyList<OverrideReasonDto> Reasons,
    string HeaderFrom,
    string? EnvelopeFrom,
    string? EnvelopeTo,
    IReadOnlyList<DkimResultDto> Dkim,
    IReadOnlyList<SpfResultDto> Spf,
    bool HasNonStandardValues);

public sealed record ReportDetailDto(
    ReportSummaryDto Summary,
    string? Version,
    string? ExtraContactInfo,
    string? Generator,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    int SkippedRecords,
    PolicyPublishedDto Policy,
    bool RawXmlStored,
    IReadOnlyList<RecordDto> Records)
{
    /// <summary>Copies of this report that arrived with different content (<c>/api/report-conflicts/{id}</c>), oldest first.</summary>
    public IReadOnlyList<long> ConflictIds { get; init; } = [];
}

public interface IReportQueries
{
    Task<PagedResult<ReportSummaryDto>> ListReportsAsync(ReportFilter filter, PageRequest page, CancellationToken cancellationToken);

    Task<ReportDetailDto?> GetReportAsync(long id, CancellationToken cancellationToken);

    /// <summary>The raw XML as received, decompressed; null when the report does not exist or its XML was over the archive cap.</summary>
    Task<byte[]?> GetRawXmlAsync(long id, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="ArgumentException"/> for a SourceIp that is neither an address nor a CIDR block.</summary>
    Task<PagedResult<RecordDto>> ListRecordsAsync(RecordFilter filter, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Every report the filter selects, oldest id first, read as it is consumed (for exports).</summary>
    IAsyncEnumerable<ReportSummaryDto> StreamReportsAsync(ReportFilter filter, CancellationToken cancellationToken);

    /// <summary>Every record the filter selects, oldest id first, read as it is consumed (for exports).</summary>
    IAsyncEnumerable<RecordDto> StreamRecordsAsync(RecordFilter filter, CancellationToken cancellationToken);
}
