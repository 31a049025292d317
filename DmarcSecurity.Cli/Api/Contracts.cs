namespace DmarcSecurity.Cli.Api;

// The Api's answers as this tool reads them. Enums stay strings, so a value added to the Api later still shows.

public sealed record IngestResponse(int Stored, int Duplicates, int Rejected, IReadOnlyList<IngestedFile> Files);

public sealed record IngestedFile(
    string? FileName,
    long Size,
    string? Sha256,
    string Outcome,
    IReadOnlyList<long>? ReportIds,
    IReadOnlyList<long>? DuplicateOfReportIds,
    int Records,
    string? Reason,
    string? Error,
    IReadOnlyList<long>? ConflictIds = null);

public sealed record IdsIngestResponse(int Stored, int Duplicates, int Rejected, IReadOnlyList<IdsIngestedFile> Files);

public sealed record IdsIngestedFile(
    long Id,
    string? FileName,
    long Size,
    string Outcome,
    string? Format,
    long Lines,
    long Events,
    long Alerts,
    long Connections,
    long Unreadable,
    IReadOnlyDictionary<string, long>? Skipped,
    IReadOnlyList<IdsLineError>? Errors,
    int Sources,
    string? Error);

public sealed record IdsLineError(long Line, string Reason);

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, long TotalCount);

public sealed record Decision(
    Guid Id,
    string Ip,
    string Cidr,
    string Action,
    string Severity,
    double Score,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string Origin,
    string Reason,
    bool Simulated,
    bool SuppressedByAllowlist,
    string ReviewStatus,
    string? AllowlistReason = null);

/// <summary><c>POST /api/decisions</c>: an analyst's block of <paramref name="Ip"/> for <paramref name="Duration"/>
/// (<c>hh:mm:ss</c> or <c>d.hh:mm:ss</c>).</summary>
public sealed record ManualBlockRequest(string Ip, string Action, string Duration, string Reason);

/// <param name="Queued">The block goes to the address's source-IP grain, which makes the decision.</param>
public sealed record ManualDecisionResult(string Ip, string Action, bool Queued);

public sealed record TrainedModel(int Version, DateTimeOffset TrainedAt, int Examples, ModelMetrics Metrics);

/// <param name="Confusion">[[true negatives, false positives], [false negatives, true positives]].</param>
public sealed record ModelMetrics(double Auc, double PrecisionAtK, int K, IReadOnlyList<IReadOnlyList<long>> Confusion);

/// <summary>What became of one file sent, whichever endpoint took it.</summary>
public static class Outcomes
{
    public const string Stored = "Stored";
    public const string Duplicate = "Duplicate";
    public const string Rejected = "Rejected";

    public static string Colour(string outcome) => outcome switch
    {
        Stored => "green",
        Duplicate => "yellow",
        _ => "red",
    };
}
