using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Data.Stats;

namespace DmarcSecurity.Api.Stats;

/// <summary>Dashboard figures. Every endpoint takes the same filters (domain, reporter, from, to); lists also take <c>top</c> (1-1000, default 20).</summary>
public static class StatsApi
{
    private const int DefaultTop = 20;

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/stats").WithTags("Stats").RequireAuthorization(Policies.Viewer);
        group.MapGet("/summary", GetSummary).WithName(nameof(GetSummary)).WithSummary("Totals: messages, pass/fail, domains, sources, reporters, dispositions.");
        group.MapGet("/timeline", GetTimeline).WithName(nameof(GetTimeline)).WithSummary("Per UTC day, reports spread over the days they cover in proportion to time.");
        group.MapGet("/domains", GetDomains).WithName(nameof(GetDomains)).WithSummary("Per policy domain: volume and DMARC pass rate.");
        group.MapGet("/sources", GetSources).WithName(nameof(GetSources)).WithSummary("Top source IPs by volume (order=messages, the default) or by failing messages (order=failing), with failure rate and who each source is (service, reverse DNS, country, network).");
        group.MapGet("/alignment", GetAlignment).WithName(nameof(GetAlignment)).WithSummary("DKIM and SPF aligned pass, alone and together.");
        group.MapGet("/dashboard", GetDashboard).WithName(nameof(GetDashboard))
            .WithSummary("Summary, timeline, alignment, top sources by messages and by failing messages, reporters and domains in one answer (lists top long, default 20).");
        group.MapGet("/extent", GetExtent).WithName(nameof(GetExtent))
            .WithSummary("The period the reports cover (earliest begin, latest end, how many), for a domain or reporter or for all; from and to are not applied.");
        group.MapGet("/countries", GetCountries).WithName(nameof(GetCountries))
            .WithSummary("Per country (ISO 3166-1 alpha-2, by the geolocation databases; 'unknown' for the rest): sources, messages and failing messages of every source of the period.");
        group.MapGet("/reporters", GetReporters).WithName(nameof(GetReporters)).WithSummary("Volume by reporting organisation.");
        return endpoints;
    }

    public static Task<Results<Ok<DataExtentDto>, ValidationProblem>> GetExtent(
        [AsParameters] ReportFilterParameters filter, IStatsQueries stats, CancellationToken cancellationToken) =>
        Run(filter, null, (f, _) => stats.ExtentAsync(f, cancellationToken));

    public static Task<Results<Ok<SummaryDto>, ValidationProblem>> GetSummary(
        [AsParameters] ReportFilterParameters filter, IStatsQueries stats, CancellationToken cancellationToken) =>
        Run(filter, null, (f, _) => stats.SummaryAsync(f, cancellationToken));

    public static Task<Results<Ok<IReadOnlyList<TimelinePointDto>>, ValidationProblem>> GetTimeline(
        [AsParameters] ReportFilterParameters filter, IStatsQueries stats, CancellationToken cancellationToken) =>
        Run(filter, null, (f, _) => stats.TimelineAsync(f, cancellationToken));

    public static Task<Results<Ok<IReadOnlyList<DomainStatsDto>>, ValidationProblem>> GetDomains(
        [AsParameters] ReportFilterParameters filter, int? top, IStatsQueries stats, CancellationToken cancellationToken) =>
        Run(filter, top, (f, t) => stats.DomainsAsync(f, t, cancellationToken));

    public static Task<Results<Ok<IReadOnlyList<SourceStatsDto>>, ValidationProblem>> GetSources(
        [AsParameters] ReportFilterParameters filter, int? top, string? order, IStatsQueries stats, SourceIdentities identities,
        CancellationToken cancellationToken) =>
        Run(filter, top, (f, t) => RankedAsync(stats, identities, f, t, SourceOrderParameter.Parse(order), cancellationToken), new SourceOrderParameter(order));

    public static Task<Results<Ok<AlignmentDto>, ValidationProblem>> GetAlignment(
        [AsParameters] ReportFilterParameters filter, IStatsQueries stats, CancellationToken cancellationToken) =>
        Run(filter, null, (f, _) => stats.AlignmentAsync(f, cancellationToken));

    public static Task<Results<Ok<CountryMapDto>, ValidationProblem>> GetCountries(
        [AsParameters] ReportFilterParameters filter, CountryStats countries, CancellationToken cancellationToken) =>
        Run(filter, null, (f, _) => countries.CountriesAsync(f, cancellationToken));

    public static Task<Results<Ok<IReadOnlyList<ReporterStatsDto>>, ValidationProblem>> GetReporters(
        [AsParameters] ReportFilterParameters filter, int? top, IStatsQueries stats, CancellationToken cancellationToken) =>
        Run(filter, top, (f, t) => stats.ReportersAsync(f, t, cancellationToken));

    public static Task<Results<Ok<DashboardDto>, ValidationProblem>> GetDashboard(
        [AsParameters] ReportFilterParameters filter, int? top, IStatsQueries stats, SourceIdentities identities, CancellationToken cancellationToken) =>
        Run(filter, top, async (f, t) =>
        {
            var dashboard = await stats.DashboardAsync(f, t, WithForwarderRoom(t), cancellationToken);
            var known = await identities.IdentifyAsync(dashboard.TopSources.Concat(dashboard.TopFailing).Select(s => s.SourceIp), cancellationToken);
            return dashboard with { TopSources = With(dashboard.TopSources, known), TopFailing = Unexplained(With(dashboard.TopFailing, known), t) };
        });

    /// <summary>The top sources of a ranking with who each is. Ranked by failing messages, the known forwarders among
    /// them drop out (their failures are the forwarding's), and the next sources take their places.</summary>
    internal static async Task<IReadOnlyList<SourceStatsDto>> RankedAsync(
        IStatsQueries stats, SourceIdentities identities, ReportFilter filter, int top, SourceRanking ranking, CancellationToken cancellationToken)
    {
        var failing = ranking == SourceRanking.Failing;
        var rows = await WithIdentitiesAsync(
            await stats.SourcesAsync(filter, failing ? WithForwarderRoom(top) : top, ranking, cancellationToken), identities, cancellationToken);
        return failing ? Unexplained(rows, top) : rows;
    }

    /// <summary>The rows with who each source is (<see cref="SourceStatsDto.Identified"/>): every address looked up at
    /// once, under the enrichment's bound and wait.</summary>
    internal static async Task<IReadOnlyList<SourceStatsDto>> WithIdentitiesAsync(
        IReadOnlyList<SourceStatsDto> rows, SourceIdentities identities, CancellationToken cancellationToken) =>
        With(rows, await identities.IdentifyAsync(rows.Select(r => r.SourceIp), cancellationToken));

    private static IReadOnlyList<SourceStatsDto> With(IReadOnlyList<SourceStatsDto> rows, IReadOnlyDictionary<string, Core.Enrichment.SourceIdentity> known) =>
        rows.Select(r => r.Identified(known.GetValueOrDefault(r.SourceIp))).ToList();

    /// <summary>How many failing sources to ask for so that <paramref name="top"/> remain once known forwarders drop out:
    /// twice as many. A view with more known forwarders than that among its most failing sources lists fewer.</summary>
    private static int WithForwarderRoom(int top) => Math.Min(TopParameter.Max, top * 2);

    /// <summary>The failing sources whose failures no forwarder explains, at most <paramref name="top"/>.</summary>
    private static IReadOnlyList<SourceStatsDto> Unexplained(IReadOnlyList<SourceStatsDto> rows, int top) =>
        rows.Where(r => r.Failing > r.Forwarded).Take(top).ToList();

    private static async Task<Results<Ok<T>, ValidationProblem>> Run<T>(
        ReportFilterParameters filter, int? top, Func<ReportFilter, int, Task<T>> query, IValidatable? more = null)
    {
        if (Validation.Check(more is null ? [filter, new TopParameter(top)] : [filter, new TopParameter(top), more]) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await query(filter.ToFilter(), top ?? DefaultTop));
    }
}

/// <summary>How many rows a stats list returns.</summary>
internal sealed record TopParameter(int? Top) : IValidatable
{
    public const int Max = 1000;

    public void Validate(IDictionary<string, string[]> errors)
    {
        if (Top is < 1 or > Max)
        {
            errors["top"] = [$"top must be between 1 and {Max}."];
        }
    }
}

/// <summary>How the top sources are ranked: <c>messages</c> (the default) or <c>failing</c>.</summary>
internal sealed record SourceOrderParameter(string? Order) : IValidatable
{
    public static SourceRanking Parse(string? order) =>
        NamedValue.Canonical(order, NamedValue.Of<SourceRanking>()) is { } name ? Enum.Parse<SourceRanking>(name) : SourceRanking.Messages;

    public void Validate(IDictionary<string, string[]> errors) => NamedValue.Validate(Order, "order", NamedValue.Of<SourceRanking>(), errors);
}
