using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.TlsReports;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.TlsReports;

/// <summary>One SMTP TLS report in a list: its reporter, period, the policy domains it covers and its session totals.</summary>
public sealed record TlsReportSummaryDto(
    long Id,
    string OrgName,
    string ReportId,
    string? ContactInfo,
    DateTimeOffset Begin,
    DateTimeOffset End,
    IReadOnlyList<string> PolicyDomains,
    long SuccessfulSessions,
    long FailedSessions,
    long FileId,
    DateTimeOffset ReceivedAt);

public sealed record TlsFailureDetailDto(
    string ResultType,
    string? SendingMtaIp,
    string? ReceivingMxHostname,
    string? ReceivingMxHelo,
    string? ReceivingIp,
    long FailedSessions,
    string? AdditionalInformation,
    string? FailureReasonCode);

public sealed record TlsPolicyDto(
    string PolicyType,
    string PolicyDomain,
    IReadOnlyList<string> PolicyStrings,
    IReadOnlyList<string> MxHosts,
    long SuccessfulSessions,
    long FailedSessions,
    IReadOnlyList<TlsFailureDetailDto> FailureDetails);

/// <param name="Origin">Where in the arrived file the report was found (e.g. <c>report.eml &gt; mime part 2 (x.json.gz) &gt; gunzip</c>).</param>
public sealed record TlsReportDetailDto(TlsReportSummaryDto Summary, string Origin, IReadOnlyList<TlsPolicyDto> Policies);

public sealed record TlsResultTypeDto(string ResultType, long FailedSessions);

/// <summary>One policy domain over the selected reports.</summary>
/// <param name="FailureRate">Failed sessions over all sessions, 0 to 1; 0 when there were none.</param>
/// <param name="TopResultTypes">The failure result types with the most failed sessions, most first (at most five).</param>
public sealed record TlsDomainSummaryDto(
    string PolicyDomain, int Reports, long SuccessfulSessions, long FailedSessions, double FailureRate, IReadOnlyList<TlsResultTypeDto> TopResultTypes);

/// <summary>TLS report filters: <c>domain</c> (a policy domain the report covers, any case), <c>from</c>/<c>to</c>
/// selecting reports whose period overlaps [from, to), as on <c>/api/reports</c>.</summary>
public sealed record TlsReportFilter(string? Domain, DateTimeOffset? From, DateTimeOffset? To) : IValidatable
{
    public string? NormalisedDomain => string.IsNullOrWhiteSpace(Domain) ? null : DomainName.Normalise(Domain);

    public void Validate(IDictionary<string, string[]> errors)
    {
        DateRange.Validate(From, To, errors);
        if (Domain is { Length: > 253 })
        {
            errors["domain"] = ["domain is at most 253 characters."];
        }
    }

    public IQueryable<TlsReportEntity> Apply(IQueryable<TlsReportEntity> reports)
    {
        if (NormalisedDomain is { } domain)
        {
            reports = reports.Where(r => r.Policies.Any(p => p.PolicyDomain == domain));
        }

        if (To?.ToUniversalTime() is { } to)
        {
            reports = reports.Where(r => r.Begin < to);
        }

        if (From?.ToUniversalTime() is { } from)
        {
            reports = reports.Where(r => r.End > from || r.Begin >= from);
        }

        return reports;
    }
}

public static class TlsReportsApi
{
    private const int TopResultTypes = 5;

    private static readonly SortOrder<TlsReportEntity> s_sort = PagedQuery.Sort<TlsReportEntity>("-begin",
        ("id", (q, d) => q.By(r => r.Id, d)),
        ("begin", (q, d) => q.By(r => r.Begin, d)),
        ("end", (q, d) => q.By(r => r.End, d)),
        ("reporter", (q, d) => q.By(r => r.OrgName, d)),
        ("successful", (q, d) => q.By(r => r.SuccessfulSessionCount, d)),
        ("failed", (q, d) => q.By(r => r.FailedSessionCount, d)),
        ("received", (q, d) => q.By(r => r.File!.ReceivedAt, d)));

    public static IEndpointRouteBuilder MapTlsReportsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/tls-reports").WithTags("TLS reports").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListTlsReports).WithName(nameof(ListTlsReports))
            .WithSummary("List SMTP TLS reports (RFC 8460), newest first by default; filters domain, from, to.");
        group.MapGet("/summary", SummariseTlsReports).WithName(nameof(SummariseTlsReports))
            .WithSummary("Per policy domain over the selected TLS reports: successful and failed sessions, failure rate, top failure result types.");
        group.MapGet("/{id:long}", GetTlsReport).WithName(nameof(GetTlsReport))
            .WithSummary("One SMTP TLS report with its policies and failure details.");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<TlsReportSummaryDto>>, ValidationProblem>> ListTlsReports(
        [AsParameters] TlsReportFilter filter,
        [AsParameters] PagingParameters paging,
        IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = filter.Apply(db.TlsReports).Include(r => r.File).Include(r => r.Policies);
        return TypedResults.Ok(await query.PageAsync(s_sort, r => r.Id, paging.ToPageRequest(), ToSummary, cancellationToken));
    }

    public static async Task<Results<Ok<TlsReportDetailDto>, NotFound>> GetTlsReport(
        long id, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var report = await db.TlsReports
            .Include(r => r.File)
            .Include(r => r.Policies.OrderBy(p => p.Id)).ThenInclude(p => p.FailureDetails.OrderBy(f => f.Id))
            .AsSplitQuery()
            .FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (report is null)
        {
            return TypedResults.NotFound();
        }

        var policies = report.Policies.Select(p => new TlsPolicyDto(
            p.PolicyType, p.PolicyDomain, p.PolicyStrings, p.MxHosts, p.SuccessfulSessionCount, p.FailedSessionCount,
            [.. p.FailureDetails.Select(f => new TlsFailureDetailDto(
                f.ResultType, f.SendingMtaIp, f.ReceivingMxHostname, f.ReceivingMxHelo, f.ReceivingIp, f.FailedSessionCount,
                f.AdditionalInformation, f.FailureReasonCode))])).ToList();
        return TypedResults.Ok(new TlsReportDetailDto(ToSummary(report), report.Origin, policies));
    }

    public static async Task<Results<Ok<List<TlsDomainSummaryDto>>, ValidationProblem>> SummariseTlsReports(
        [AsParameters] TlsReportFilter filter,
        IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var reportIds = filter.Apply(db.TlsReports).Select(r => r.Id);
        var policies = db.TlsPolicies.Where(p => reportIds.Contains(p.TlsReportId));
        if (filter.NormalisedDomain is { } domain)
        {
            policies = policies.Where(p => p.PolicyDomain == domain);
        }

        var domains = await policies
            .GroupBy(p => p.PolicyDomain)
            .Select(g => new
            {
                Domain = g.Key,
                Reports = g.Select(p => p.TlsReportId).Distinct().Count(),
                Successful = g.Sum(p => p.SuccessfulSessionCount),
                Failed = g.Sum(p => p.FailedSessionCount),
            })
            .ToListAsync(cancellationToken);
        var failures = await db.TlsFailureDetails
            .Join(policies, f => f.PolicyId, p => p.Id, (f, p) => new { p.PolicyDomain, f.ResultType, f.FailedSessionCount })
            .GroupBy(x => new { x.PolicyDomain, x.ResultType })
            .Select(g => new { g.Key.PolicyDomain, g.Key.ResultType, Failed = g.Sum(x => x.FailedSessionCount) })
            .ToListAsync(cancellationToken);
        var byDomain = failures.ToLookup(f => f.PolicyDomain);

        return TypedResults.Ok(domains
            .Select(d => new TlsDomainSummaryDto(
                d.Domain,
                d.Reports,
                d.Successful,
                d.Failed,
                d.Successful + d.Failed == 0 ? 0 : (double)d.Failed / (d.Successful + d.Failed),
                [.. byDomain[d.Domain]
                    .OrderByDescending(f => f.Failed).ThenBy(f => f.ResultType, StringComparer.Ordinal)
                    .Take(TopResultTypes)
                    .Select(f => new TlsResultTypeDto(f.ResultType, f.Failed))]))
            .OrderByDescending(d => d.FailedSessions).ThenBy(d => d.PolicyDomain, StringComparer.Ordinal)
            .ToList());
    }

    private static TlsReportSummaryDto ToSummary(TlsReportEntity r) => new(
        r.Id, r.OrgName, r.ReportId, r.ContactInfo, r.Begin, r.End,
        [.. r.Policies.Select(p => p.PolicyDomain).Distinct().Order(StringComparer.Ordinal)],
        r.SuccessfulSessionCount, r.FailedSessionCount, r.FileId, r.File!.ReceivedAt);
}
