using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Decisions;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Api.Stats;
using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Data.Ids;
using DmarcSecurity.Data.Stats;
using DmarcSecurity.Data.Database;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Grains;

/// <param name="State">The source-IP grain's state (see the silo's SourceIpState): its evidence per day and per claimed
/// domain, and its assessment (the score on the current evidence with its five components); null when no grain has seen
/// the address yet.</param>
/// <param name="RecordCount">All records of the address; <paramref name="Records"/> holds the newest.</param>
/// <param name="IdsAlertCount">All IDS alerts and notices of the address still kept; <paramref name="IdsAlerts"/> holds the newest.</param>
/// <param name="Identity">Who the address is: reverse DNS and its base domain, country, city, network, sending service;
/// what is not known yet when the view is made shows as pending and is there on the next view.</param>
public sealed record SourceDto(
    string Ip, long? Version, DateTimeOffset? UpdatedAt, JsonElement? State, long RecordCount, IReadOnlyList<RecordDto> Records,
    IReadOnlyList<DecisionDto> Decisions, long IdsAlertCount, IReadOnlyList<IdsAlertDto> IdsAlerts, SourceIdentity Identity);

/// <summary>One IDS alert (Snort, Suricata) or notice (Zeek) as the sensor wrote it.</summary>
/// <param name="Priority">1 (highest) to 4: the sensor's, or its classification's.</param>
public sealed record IdsAlertDto(
    long Id, DateTimeOffset At, IdsEventKind Kind, IdsSensor Sensor, int? SourcePort, string? DestinationIp, int? DestinationPort,
    string? Protocol, string Signature, string? SignatureId, string? Classification, int? Priority, string? Action, long IngestionId)
{
    public static IdsAlertDto From(IdsAlertEntity a) => new(
        a.Id, a.At, a.Kind, a.Sensor, a.SourcePort, a.DestinationIp, a.DestinationPort, a.Protocol, a.Signature, a.SignatureId,
        a.Classification, a.Priority, a.Action, a.IngestionId);
}

/// <summary>One source address: what its grain knows (DMARC and IDS evidence, score), its latest records, IDS alerts and
/// decisions.</summary>
public static class SourcesApi
{
    /// <summary>Records and decisions shown per source, newest first; the record and decision lists page through the rest.</summary>
    public const int Recent = 50;

    public static IEndpointRouteBuilder MapSourcesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/sources").WithTags("Sources").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListSources).WithName(nameof(ListSources))
            .WithSummary("Every source address the filters select (domain, reporter, from, to), a page at a time, by messages (order=messages, the default) or by failing messages no forwarder explains (order=failing), with who each is.");
        group.MapGet("/{ip}", GetSource).WithName(nameof(GetSource))
            .WithSummary($"A source IP's identity (reverse DNS, base domain, country, city, ASN, service), grain state (DMARC and IDS evidence, current score), its {Recent} newest records, IDS alerts and decisions.");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<SourceStatsDto>>, ValidationProblem>> ListSources(
        [AsParameters] ReportFilterParameters filter, int? page, int? pageSize, string? order, IStatsQueries stats, SourceIdentities identities,
        CancellationToken cancellationToken)
    {
        var paging = new PagingParameters(page, pageSize, null);
        if (Validation.Check(filter, paging, new SourceOrderParameter(order)) is { } problem)
        {
            return problem;
        }

        var result = await stats.SourcesPageAsync(filter.ToFilter(), paging.ToPageRequest(), SourceOrderParameter.Parse(order), cancellationToken);
        return TypedResults.Ok(result with { Items = await StatsApi.WithIdentitiesAsync(result.Items, identities, cancellationToken) });
    }

    public static async Task<Results<Ok<SourceDto>, NotFound, ValidationProblem>> GetSource(
        string ip, IDbContextFactory<DmarcDbContext> contexts, IReportQueries reports, SourceIdentities identities, CancellationToken cancellationToken)
    {
        if (!Networks.TryParseAddress(ip, out var address, usualFormOnly: true))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ip"] = ["ip must be an IP address such as 192.0.2.1 or 2001:db8::1."] });
        }

        var key = address.ToString();
        // Started first: the reverse DNS lookup runs while the database answers.
        var identity = identities.IdentifyAsync(address, cancellationToken);
        var records = await reports.ListRecordsAsync(new RecordFilter(SourceIp: key), new PageRequest(1, Recent, "-begin"), cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var grain = await db.GrainStates.SingleOrDefaultAsync(g => g.GrainType == GrainTypes.SourceIp && g.GrainKey == key, cancellationToken);
        var idsAlerts = db.IdsAlerts.Where(a => a.SourceIp == key);
        var idsAlertCount = await idsAlerts.LongCountAsync(cancellationToken);
        if (grain is null && records.TotalCount == 0 && idsAlertCount == 0)
        {
            return TypedResults.NotFound();
        }

        var recentAlerts = await idsAlerts.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(Recent).ToListAsync(cancellationToken);

        var decisions = await db.Decisions.Where(d => d.Ip == key)
            .OrderByDescending(d => d.IssuedAt).ThenByDescending(d => d.Id)
            .Take(Recent)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new SourceDto(
            key, grain?.Version, grain?.UpdatedAt, grain is null ? null : StoredJson.Parse(grain.State), records.TotalCount, records.Items,
            decisions.Select(DecisionDto.From).ToList(), idsAlertCount, recentAlerts.Select(IdsAlertDto.From).ToList(), await identity));
    }
}
