using System.Globalization;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Grains;

/// <summary>The newest published policy a report showed; fields are null when no report has said.</summary>
public sealed record PublishedPolicyDto(string? P, string? Sp, string? Np, int? Pct, bool? Testing, DateTimeOffset? AsOf);

/// <param name="BaselineFailureRate">The domain's usual daily DMARC failure rate (0..1); null until a day has settled.</param>
/// <param name="Last7DaysFailureRate">Share of the last seven UTC days' messages (today included) that failed DMARC;
/// null when there were none.</param>
public sealed record DomainSummaryDto(
    string Domain, DateTimeOffset UpdatedAt, double? BaselineFailureRate, int BaselineDays, int KnownSenders, PublishedPolicyDto? Policy,
    long Last7DaysMessages, double? Last7DaysFailureRate, int OpenAlerts)
{
    private const int WindowDays = 7;

    /// <summary>Reads the domain grain's state (camelCase JSON, see the silo's DomainState) by property name.</summary>
    public static DomainSummaryDto From(GrainStateEntity grain, JsonElement state, DateOnly today, int openAlerts)
    {
        var first = today.AddDays(1 - WindowDays);
        long messages = 0, passed = 0;
        foreach (var day in state.Items("days"))
        {
            if (DateOnly.TryParse(day.Text("day"), CultureInfo.InvariantCulture, out var date) && date >= first && date <= today)
            {
                messages += day.NumberOrZero("messages");
                passed += day.NumberOrZero("dmarcPass");
            }
        }

        var policy = state.Property("policy") is { } p
            ? new PublishedPolicyDto(p.Text("p"), p.Text("sp"), p.Text("np"), (int?)p.Number("pct"), p.Flag("testing"),
                DateTimeOffset.TryParse(p.Text("asOf"), CultureInfo.InvariantCulture, out var asOf) ? asOf : null)
            : null;
        return new DomainSummaryDto(
            grain.GrainKey, grain.UpdatedAt, state.Number("baselineFailureRate"), (int)state.NumberOrZero("baselineDays"),
            state.Count("knownSenders"), policy, messages, messages > 0 ? (messages - passed) / (double)messages : null, openAlerts);
    }
}

public sealed record DomainDetailDto(DomainSummaryDto Summary, long Version, JsonElement State);

/// <summary>Every policy domain the grains know, summarised from its grain state.</summary>
public static class DomainsApi
{
    private static readonly SortOrder<GrainStateEntity> s_sort = PagedQuery.Sort<GrainStateEntity>("domain",
        ("domain", (q, d) => q.By(g => g.GrainKey, d)),
        ("updatedAt", (q, d) => q.By(g => g.UpdatedAt, d)));

    public static IEndpointRouteBuilder MapDomainsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/domains").WithTags("Domains").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListDomains).WithName(nameof(ListDomains))
            .WithSummary("Domains with baseline, known senders, policy, the last 7 days and open alerts; sort by domain or updatedAt.");
        group.MapGet("/{domain}", GetDomain).WithName(nameof(GetDomain)).WithSummary("One domain's summary and its full grain state.");
        group.MapDomainForecast();
        group.MapDomainSenders();
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<DomainSummaryDto>>, ValidationProblem>> ListDomains(
        [AsParameters] PagingParameters paging, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (Validation.Check(paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var page = await db.GrainStates.Where(g => g.GrainType == GrainTypes.Domain)
            .PageAsync(s_sort, g => g.GrainKey, paging.ToPageRequest(), g => g, cancellationToken);
        var keys = page.Items.Select(g => g.GrainKey).ToList();
        var open = await OpenAlerts(db).Where(a => keys.Contains(a.GrainKey))
            .GroupBy(a => a.GrainKey)
            .Select(g => new { Domain = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Domain, g => g.Count, cancellationToken);
        var today = Today(clock);
        var items = page.Items.Select(g => DomainSummaryDto.From(g, StoredJson.Parse(g.State), today, open.GetValueOrDefault(g.GrainKey))).ToList();
        return TypedResults.Ok(new PagedResult<DomainSummaryDto>(items, page.Page, page.PageSize, page.TotalCount));
    }

    public static async Task<Results<Ok<DomainDetailDto>, NotFound>> GetDomain(
        string domain, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var key = DomainName.Normalise(domain);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var grain = await db.GrainStates.SingleOrDefaultAsync(g => g.GrainType == GrainTypes.Domain && g.GrainKey == key, cancellationToken);
        if (grain is null)
        {
            return TypedResults.NotFound();
        }

        var open = await OpenAlerts(db).CountAsync(a => a.GrainKey == key, cancellationToken);
        var state = StoredJson.Parse(grain.State);
        return TypedResults.Ok(new DomainDetailDto(DomainSummaryDto.From(grain, state, Today(clock), open), grain.Version, state));
    }

    private static IQueryable<AlertEntity> OpenAlerts(DmarcDbContext db) =>
        db.Alerts.Where(a => a.GrainType == GrainTypes.Domain && a.Status != AlertStatus.Resolved);

    private static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}
