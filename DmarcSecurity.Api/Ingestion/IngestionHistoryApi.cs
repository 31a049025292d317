using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Ingestion;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Ingestion;

/// <summary>One arrival: a file uploaded, a message read from a mailbox, an entry of a watched folder.</summary>
public sealed record IngestionHistoryDto(
    long Id,
    DateTimeOffset ReceivedAt,
    string Source,
    string? FileName,
    long Size,
    string Sha256,
    FileOutcome Outcome,
    RejectionReason? Reason,
    string? Error,
    IReadOnlyList<long> ReportIds,
    IReadOnlyList<long> DuplicateOfReportIds,
    int Records,
    IReadOnlyList<long> TlsReportIds,
    IReadOnlyList<long> DuplicateOfTlsReportIds,
    IReadOnlyList<long> FailureReportIds,
    IReadOnlyList<long> DuplicateOfFailureReportIds,
    IReadOnlyList<long> ConflictIds)
{
    public static IngestionHistoryDto From(IngestionHistoryEntity h) => new(
        h.Id, h.ReceivedAt, h.Source, h.FileName, h.Size, h.Sha256, h.Outcome, h.RejectionReason, h.Error,
        Ids(h.ReportIds), Ids(h.DuplicateOfReportIds), h.RecordCount, Ids(h.TlsReportIds), Ids(h.DuplicateOfTlsReportIds),
        Ids(h.FailureReportIds), Ids(h.DuplicateOfFailureReportIds), Ids(h.ConflictIds));

    private static long[] Ids(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(id => long.Parse(id, System.Globalization.CultureInfo.InvariantCulture))];
}

/// <summary>History filters: <c>source</c> (a prefix: <c>upload</c>, <c>upload:alice@example.com</c>, <c>imap:rua</c>),
/// <c>outcome</c>, <c>reason</c>, <c>fileName</c> (part of the name or subject, any case), <c>from</c>/<c>to</c> on the
/// arrival time.</summary>
public sealed record IngestionHistoryFilter(
    string? Source, FileOutcome? Outcome, RejectionReason? Reason, string? FileName, DateTimeOffset? From, DateTimeOffset? To) : IValidatable
{
    public void Validate(IDictionary<string, string[]> errors)
    {
        DateRange.Validate(From, To, errors);
        if (Source is { Length: > 300 })
        {
            errors["source"] = ["source is at most 300 characters."];
        }

        if (FileName is { Length: > 300 })
        {
            errors["fileName"] = ["fileName is at most 300 characters."];
        }
    }
}

public static class IngestionHistoryApi
{
    private static readonly SortOrder<IngestionHistoryEntity> s_sort = PagedQuery.Sort<IngestionHistoryEntity>("-receivedAt",
        ("receivedAt", (q, d) => q.By(h => h.ReceivedAt, d)),
        ("source", (q, d) => q.By(h => h.Source, d)),
        ("fileName", (q, d) => q.By(h => h.FileName, d)),
        ("size", (q, d) => q.By(h => h.Size, d)),
        ("outcome", (q, d) => q.By(h => h.Outcome, d)));

    public static IEndpointRouteBuilder MapIngestionHistoryApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/ingestion/history").WithTags("Ingestion").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListIngestionHistory).WithName(nameof(ListIngestionHistory))
            .WithSummary("Every file, message and folder entry that arrived, by any route, with its outcome, reason, reports and source; newest first.");
        group.MapGet("/{id:long}", GetIngestionHistoryEntry).WithName(nameof(GetIngestionHistoryEntry)).WithSummary("One arrival.");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<IngestionHistoryDto>>, ValidationProblem>> ListIngestionHistory(
        [AsParameters] IngestionHistoryFilter filter,
        [AsParameters] PagingParameters paging,
        IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.IngestionHistory.AsNoTracking().Within(h => h.ReceivedAt, filter.From, filter.To);
        if (filter.Source?.Trim() is { Length: > 0 } source)
        {
            query = query.Where(h => h.Source.StartsWith(source));
        }

        if (filter.Outcome is { } outcome)
        {
            query = query.Where(h => h.Outcome == outcome);
        }

        if (filter.Reason is { } reason)
        {
            query = query.Where(h => h.RejectionReason == reason);
        }

        if (filter.FileName?.Trim().ToLowerInvariant() is { Length: > 0 } name)
        {
            query = query.Where(h => h.FileName != null && h.FileName.ToLower().Contains(name));
        }

        return TypedResults.Ok(await query.PageAsync(s_sort, h => h.Id, paging.ToPageRequest(), IngestionHistoryDto.From, cancellationToken));
    }

    public static async Task<Results<Ok<IngestionHistoryDto>, NotFound>> GetIngestionHistoryEntry(
        long id, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.IngestionHistory.AsNoTracking().FirstOrDefaultAsync(h => h.Id == id, cancellationToken) is { } entry
            ? TypedResults.Ok(IngestionHistoryDto.From(entry))
            : TypedResults.NotFound();
    }
}
