using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Reports;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Reports;

/// <summary>A conflicting copy in a list: the stored report it contradicts, when it came, and both totals.</summary>
public sealed record ReportConflictSummaryDto(
    long Id,
    long ReportId,
    string OrgName,
    string ReporterReportId,
    string PolicyDomain,
    DateTimeOffset Begin,
    DateTimeOffset End,
    DateTimeOffset DetectedAt,
    long FileId,
    string? FileName,
    string Source,
    int StoredRecords,
    long StoredMessages,
    int CopyRecords,
    long CopyMessages);

/// <summary>The published policy as one side of a comparison states it.</summary>
public sealed record ComparedPolicyDto(string Adkim, string Aspf, string P, string Sp, string? Np, int? Pct);

public sealed record ComparedTotalsDto(int Records, long Messages, long DkimPass, long SpfPass);

/// <summary>One row of the comparison: records that agree on everything but their count, summed on each side.</summary>
public sealed record RecordDifferenceDto(
    string SourceIp,
    string HeaderFrom,
    string? EnvelopeFrom,
    string? EnvelopeTo,
    string Disposition,
    string DkimPolicyResult,
    string SpfPolicyResult,
    long StoredCount,
    long CopyCount);

/// <param name="Differences">Rows whose message count differs between the stored report and the copy (0 on the side
/// that lacks the row), largest difference first; at most <see cref="ReportConflictsApi.MaxDifferences"/>.</param>
/// <param name="DifferingRows">How many rows differ in all.</param>
/// <param name="SameRows">Rows both sides state with the same count.</param>
public sealed record ReportConflictDetailDto(
    ReportConflictSummaryDto Summary,
    ComparedPolicyDto StoredPolicy,
    ComparedPolicyDto CopyPolicy,
    ComparedTotalsDto Stored,
    ComparedTotalsDto Copy,
    int DifferingRows,
    int SameRows,
    IReadOnlyList<RecordDifferenceDto> Differences);

/// <summary>Conflicting copy filters: <c>domain</c> (the policy domain, any case), <c>from</c>/<c>to</c> on when the
/// copy arrived.</summary>
public sealed record ReportConflictFilter(string? Domain, DateTimeOffset? From, DateTimeOffset? To) : IValidatable
{
    public void Validate(IDictionary<string, string[]> errors)
    {
        DateRange.Validate(From, To, errors);
        if (Domain is { Length: > 253 })
        {
            errors["domain"] = ["domain is at most 253 characters."];
        }
    }

    public IQueryable<ReportConflictEntity> Apply(IQueryable<ReportConflictEntity> copies)
    {
        if (!string.IsNullOrWhiteSpace(Domain))
        {
            var domain = DomainName.Normalise(Domain);
            copies = copies.Where(c => c.Report!.PolicyDomain.ToLower() == domain);
        }

        return copies.Within(c => c.DetectedAt, From, To);
    }
}

public static class ReportConflictsApi
{
    public const int MaxDifferences = 1000;

    private static readonly SortOrder<ReportConflictEntity> s_sort = PagedQuery.Sort<ReportConflictEntity>("-detected",
        ("id", (q, d) => q.By(c => c.Id, d)),
        ("detected", (q, d) => q.By(c => c.DetectedAt, d)),
        ("begin", (q, d) => q.By(c => c.Report!.Begin, d)),
        ("domain", (q, d) => q.By(c => c.Report!.PolicyDomain, d)),
        ("reporter", (q, d) => q.By(c => c.Report!.OrgName, d)));

    public static IEndpointRouteBuilder MapReportConflictsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/report-conflicts").WithTags("Reports").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListReportConflicts).WithName(nameof(ListReportConflicts))
            .WithSummary("Reports that arrived again with different content, kept as conflicting copies; newest first; filters domain, from, to.");
        group.MapGet("/{id:long}", GetReportConflict).WithName(nameof(GetReportConflict))
            .WithSummary("One conflicting copy compared with the stored report: policies, totals and the rows whose counts differ.");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<ReportConflictSummaryDto>>, ValidationProblem>> ListReportConflicts(
        [AsParameters] ReportConflictFilter filter,
        [AsParameters] PagingParameters paging,
        IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = filter.Apply(db.ReportConflicts).Include(c => c.Report).Include(c => c.File);
        return TypedResults.Ok(await query.PageAsync(s_sort, c => c.Id, paging.ToPageRequest(), ToSummary, cancellationToken));
    }

    public static async Task<Results<Ok<ReportConflictDetailDto>, NotFound>> GetReportConflict(
        long id, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var copy = await db.ReportConflicts.AsNoTracking().Include(c => c.Report).Include(c => c.File)
            .FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (copy?.Report is not { } report)
        {
            return TypedResults.NotFound();
        }

        var storedRecords = await db.Records.AsNoTracking().Where(r => r.ReportId == report.Id).ToListAsync(cancellationToken);
        var rows = new Dictionary<string, (ComparedRecord Row, long Stored, long Copy)>(StringComparer.Ordinal);
        foreach (var record in storedRecords.Select(ComparedRecord.Of))
        {
            var key = record.RowKey();
            rows[key] = rows.TryGetValue(key, out var row) ? row with { Stored = row.Stored + record.Count } : (record, record.Count, 0);
        }

        foreach (var record in ReportContent.Decompress(copy.RecordsGzip))
        {
            var key = record.RowKey();
            rows[key] = rows.TryGetValue(key, out var row) ? row with { Copy = row.Copy + record.Count } : (record, 0, record.Count);
        }

        var differing = rows.Values.Where(r => r.Stored != r.Copy).ToList();
        return TypedResults.Ok(new ReportConflictDetailDto(
            ToSummary(copy),
            new ComparedPolicyDto(report.PolicyAdkim, report.PolicyAspf, report.PolicyP, report.PolicySp, report.PolicyNp, report.PolicyPct),
            new ComparedPolicyDto(copy.PolicyAdkim, copy.PolicyAspf, copy.PolicyP, copy.PolicySp, copy.PolicyNp, copy.PolicyPct),
            new ComparedTotalsDto(report.RecordCount, report.MessageCount, report.DkimPassCount, report.SpfPassCount),
            new ComparedTotalsDto(copy.RecordCount, copy.MessageCount, copy.DkimPassCount, copy.SpfPassCount),
            differing.Count,
            rows.Count - differing.Count,
            [.. differing
                .OrderByDescending(r => Math.Abs(r.Stored - r.Copy))
                .ThenBy(r => r.Row.SourceIp, StringComparer.Ordinal)
                .ThenBy(r => r.Row.RowKey(), StringComparer.Ordinal)
                .Take(MaxDifferences)
                .Select(r => new RecordDifferenceDto(
                    r.Row.SourceIp, r.Row.HeaderFrom, r.Row.EnvelopeFrom, r.Row.EnvelopeTo, r.Row.Disposition, r.Row.DkimPolicyResult,
                    r.Row.SpfPolicyResult, r.Stored, r.Copy))]));
    }

    private static ReportConflictSummaryDto ToSummary(ReportConflictEntity copy)
    {
        var report = copy.Report!;
        return new ReportConflictSummaryDto(
            copy.Id, report.Id, report.OrgName, report.ReportId, report.PolicyDomain, report.Begin, report.End, copy.DetectedAt,
            copy.FileId, copy.File?.FileName, copy.File?.Source ?? "", report.RecordCount, report.MessageCount, copy.RecordCount, copy.MessageCount);
    }
}
