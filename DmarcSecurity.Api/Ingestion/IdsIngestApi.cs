using System.Security.Claims;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Ids;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Ingestion;

/// <summary>What became of one IDS log: how it was read, what was taken, what could not be read and why.</summary>
/// <param name="Id">The IDS ingestion recorded for it.</param>
/// <param name="Alerts">Alerts and notices stored.</param>
/// <param name="Skipped">Lines read but not taken, by reason (EVE events other than alerts, other Zeek logs).</param>
/// <param name="Errors">The first unreadable lines with their line number and reason.</param>
/// <param name="Sources">Source addresses the log named; each one's grain was sent its evidence.</param>
public sealed record IdsIngestionDto(
    long Id,
    DateTimeOffset ReceivedAt,
    string Source,
    string? FileName,
    long Size,
    string Sha256,
    FileOutcome Outcome,
    IdsFormat? Format,
    long Lines,
    long Events,
    long Alerts,
    long Connections,
    long Unreadable,
    IReadOnlyDictionary<string, long> Skipped,
    IReadOnlyList<IdsLineError> Errors,
    int Sources,
    string? Error)
{
    public static IdsIngestionDto From(IdsIngestionEntity i) => new(
        i.Id, i.ReceivedAt, i.Source, i.FileName, i.Size, i.Sha256, i.Outcome, i.Format, i.Lines, i.Events, i.Alerts, i.Connections,
        i.Unreadable, JsonSerializer.Deserialize<Dictionary<string, long>>(i.Skipped) ?? [],
        JsonSerializer.Deserialize<List<IdsLineError>>(i.LineErrors, JsonSerializerOptions.Web) ?? [], i.Sources, i.Error);
}

public sealed record IdsIngestResponse(int Stored, int Duplicates, int Rejected, IReadOnlyList<IdsIngestionDto> Files);

/// <summary>IDS logs by upload: Snort and Suricata fast alerts, Suricata EVE JSON, Zeek conn and notice logs (TSV or
/// JSON), plain or gzip. Alerts and notices are stored and shown on the source pages; every source address's grain gets
/// the log's evidence through the inbox, as with DMARC reports.</summary>
public static class IdsIngestApi
{
    private static readonly SortOrder<IdsIngestionEntity> s_sort = PagedQuery.Sort<IdsIngestionEntity>("-receivedAt",
        ("receivedAt", (q, d) => q.By(i => i.ReceivedAt, d)));

    public static IEndpointRouteBuilder MapIdsIngestApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/ingest/ids").WithTags("Ingestion");
        group.MapPost("", UploadIdsLogs).RequireAuthorization(Policies.Analyst)
            .WithName(nameof(UploadIdsLogs))
            .WithSummary("Upload 1 to 200 IDS logs; the format is detected from each file's content unless ?format= names it " +
                "(SnortFast, SuricataFast, SuricataEve, ZeekTsv, ZeekJson).")
            .Accepts<IFormFileCollection>("multipart/form-data")
            .DisableAntiforgery();
        group.MapGet("", ListIdsIngestions).RequireAuthorization(Policies.Viewer)
            .WithName(nameof(ListIdsIngestions))
            .WithSummary("IDS logs received, newest first, with what was read from each.");
        return endpoints;
    }

    public static async Task<Results<Ok<IdsIngestResponse>, ValidationProblem, ProblemHttpResult>> UploadIdsLogs(
        HttpRequest request,
        ClaimsPrincipal user,
        IIdsIngestor ingestor,
        IOptions<IngestionOptions> options,
        TimeProvider clock,
        CancellationToken cancellationToken,
        string? format = null)
    {
        IdsFormat? named = null;
        if (format is not null)
        {
            if (!Enum.TryParse<IdsFormat>(format, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["format"] = [$"format must be one of {string.Join(", ", Enum.GetNames<IdsFormat>())}, or left out to detect it."],
                });
            }

            named = parsed;
        }

        return await IngestApi.WithUploadAsync(request, options.Value, async files =>
        {
            var outcomes = new List<IdsIngestionDto>(files.Count);
            foreach (var file in files)
            {
                var received = new IncomingFile(file.Sha256, $"{IngestApi.UploadSource}:{Actor.Of(user)}", file.FileName, file.Size, clock.GetUtcNow());
                var r = await ingestor.IngestAsync(file.Content, named, received, checkDuplicate: true, cancellationToken);
                await file.DisposeAsync();
                outcomes.Add(new IdsIngestionDto(
                    r.Id, received.ReceivedAt, received.Source, file.FileName, file.Size, file.Sha256, r.Outcome, r.Format, r.Lines, r.Events,
                    r.Alerts, r.Connections, r.Unreadable, r.Skipped, r.Errors, r.Sources, r.Error));
            }

            return new IdsIngestResponse(
                outcomes.Count(o => o.Outcome == FileOutcome.Stored),
                outcomes.Count(o => o.Outcome == FileOutcome.Duplicate),
                outcomes.Count(o => o.Outcome == FileOutcome.Rejected),
                outcomes);
        }, cancellationToken);
    }

    public static async Task<Results<Ok<PagedResult<IdsIngestionDto>>, ValidationProblem>> ListIdsIngestions(
        [AsParameters] PagingParameters paging, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        if (Validation.Check(paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return TypedResults.Ok(await db.IdsIngestions.AsNoTracking()
            .PageAsync(s_sort, i => i.Id, paging.ToPageRequest(), IdsIngestionDto.From, cancellationToken));
    }
}
