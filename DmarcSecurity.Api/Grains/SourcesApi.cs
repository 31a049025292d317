using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Decisions;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Grains;

/// <param name="State">The source-IP grain's state (see the silo's SourceIpState): its evidence per day and per claimed
/// domain, and its assessment (the score on the current evidence with its five components); null when no grain has seen
/// the address yet.</param>
/// <param name="RecordCount">All records of the address; <paramref name="Records"/> holds the newest.</param>
public sealed record SourceDto(
    string Ip, long? Version, DateTimeOffset? UpdatedAt, JsonElement? State, long RecordCount, IReadOnlyList<RecordDto> Records,
    IReadOnlyList<DecisionDto> Decisions);

/// <summary>One source address: what its grain knows, its latest records and its decisions.</summary>
public static class SourcesApi
{
    /// <summary>Records and decisions shown per source, newest first; the record and decision lists page through the rest.</summary>
    public const int Recent = 50;

    public static IEndpointRouteBuilder MapSourcesApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/sources").WithTags("Sources").RequireAuthorization(Policies.Viewer)
            .MapGet("/{ip}", GetSource).WithName(nameof(GetSource))
            .WithSummary($"A source IP's grain state (evidence and current score), its {Recent} newest records and its {Recent} newest decisions.");
        return endpoints;
    }

    public static async Task<Results<Ok<SourceDto>, NotFound, ValidationProblem>> GetSource(
        string ip, IDbContextFactory<DmarcDbContext> contexts, IReportQueries reports, CancellationToken cancellationToken)
    {
        if (!Networks.TryParseAddress(ip, out var address, usualFormOnly: true))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ip"] = ["ip must be an IP address such as 192.0.2.1 or 2001:db8::1."] });
        }

        var key = address.ToString();
        var records = await reports.ListRecordsAsync(new RecordFilter(SourceIp: key), new PageRequest(1, Recent, "-begin"), cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var grain = await db.GrainStates.SingleOrDefaultAsync(g => g.GrainType == GrainTypes.SourceIp && g.GrainKey == key, cancellationToken);
        if (grain is null && records.TotalCount == 0)
        {
            return TypedResults.NotFound();
        }

        var decisions = await db.Decisions.Where(d => d.Ip == key)
            .OrderByDescending(d => d.IssuedAt).ThenByDescending(d => d.Id)
            .Take(Recent)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new SourceDto(
            key, grain?.Version, grain?.UpdatedAt, grain is null ? null : StoredJson.Parse(grain.State), records.TotalCount, records.Items,
            decisions.Select(DecisionDto.From).ToList()));
    }
}
