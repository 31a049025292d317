using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.FailureReports;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.FailureReports;

/// <summary>One DMARC failure report in a list: who reported which message from which address, and what failed.</summary>
/// <param name="ArrivalAt">The report's Arrival-Date; without one (<paramref name="ArrivalDateGiven"/> false), when it reached us.</param>
public sealed record FailureReportSummaryDto(
    long Id,
    string Reporter,
    DateTimeOffset ArrivalAt,
    bool ArrivalDateGiven,
    string SourceIp,
    string? ReportedDomain,
    IReadOnlyList<string> AuthFailures,
    string? DeliveryResult,
    string? OriginalFrom,
    string? OriginalSubject,
    long FileId,
    DateTimeOffset ReceivedAt);

/// <param name="Origin">Where in the arrived file the report was found (e.g. <c>ruf.zip!/report.eml</c>).</param>
/// <param name="OriginalBody">The original message's body: only when storing bodies is on
/// (<c>Ingestion__FailureReports__StoreBodies</c>) and the reporter sent the whole message; otherwise null.</param>
public sealed record FailureReportDetailDto(
    FailureReportSummaryDto Summary,
    string Origin,
    string FeedbackType,
    string? UserAgent,
    string? Version,
    string? OriginalMailFrom,
    IReadOnlyList<string> OriginalRcptTo,
    string? AuthenticationResults,
    string? DkimDomain,
    string? DkimIdentity,
    string? DkimSelector,
    string? SpfDns,
    string? IdentityAlignment,
    IReadOnlyList<string> ReportedUris,
    string? OriginalTo,
    string? OriginalDate,
    string? OriginalMessageId,
    string OriginalHeaders,
    string? OriginalBody);

/// <summary>Failure report filters: <c>domain</c> (the reported domain, any case), <c>sourceIp</c> (one address),
/// <c>from</c>/<c>to</c> selecting reports whose message arrived in [from, to).</summary>
public sealed record FailureReportFilter(string? Domain, string? SourceIp, DateTimeOffset? From, DateTimeOffset? To) : IValidatable
{
    public string? NormalisedDomain => string.IsNullOrWhiteSpace(Domain) ? null : DomainName.Normalise(Domain);

    public string? NormalisedSourceIp => Networks.TryParseAddress(SourceIp, out var address) ? address.ToString() : null;

    public void Validate(IDictionary<string, string[]> errors)
    {
        DateRange.Validate(From, To, errors);
        if (Domain is { Length: > 253 })
        {
            errors["domain"] = ["domain is at most 253 characters."];
        }

        if (!string.IsNullOrWhiteSpace(SourceIp) && NormalisedSourceIp is null)
        {
            errors["sourceIp"] = ["sourceIp must be an IP address such as 192.0.2.1 or 2001:db8::1."];
        }
    }

    public IQueryable<FailureReportEntity> Apply(IQueryable<FailureReportEntity> reports)
    {
        if (NormalisedDomain is { } domain)
        {
            reports = reports.Where(r => r.ReportedDomain == domain);
        }

        if (NormalisedSourceIp is { } ip)
        {
            reports = reports.Where(r => r.SourceIp == ip);
        }

        if (From?.ToUniversalTime() is { } from)
        {
            reports = reports.Where(r => r.ArrivalAt >= from);
        }

        if (To?.ToUniversalTime() is { } to)
        {
            reports = reports.Where(r => r.ArrivalAt < to);
        }

        return reports;
    }
}

public static class FailureReportsApi
{
    private static readonly SortOrder<FailureReportEntity> s_sort = PagedQuery.Sort<FailureReportEntity>("-arrival",
        ("id", (q, d) => q.By(r => r.Id, d)),
        ("arrival", (q, d) => q.By(r => r.ArrivalAt, d)),
        ("reporter", (q, d) => q.By(r => r.Reporter, d)),
        ("sourceIp", (q, d) => q.By(r => r.SourceIp, d)),
        ("domain", (q, d) => q.By(r => r.ReportedDomain, d)),
        ("received", (q, d) => q.By(r => r.File!.ReceivedAt, d)));

    public static IEndpointRouteBuilder MapFailureReportsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/failure-reports").WithTags("Failure reports").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListFailureReports).WithName(nameof(ListFailureReports))
            .WithSummary("List DMARC failure reports (RFC 6591), newest arrival first by default; filters domain, sourceIp, from, to.");
        group.MapGet("/{id:long}", GetFailureReport).WithName(nameof(GetFailureReport))
            .WithSummary("One DMARC failure report with every field, the original headers, and the body when bodies are stored.");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<FailureReportSummaryDto>>, ValidationProblem>> ListFailureReports(
        [AsParameters] FailureReportFilter filter,
        [AsParameters] PagingParameters paging,
        IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = filter.Apply(db.FailureReports).Include(r => r.File);
        return TypedResults.Ok(await query.PageAsync(s_sort, r => r.Id, paging.ToPageRequest(), ToSummary, cancellationToken));
    }

    public static async Task<Results<Ok<FailureReportDetailDto>, NotFound>> GetFailureReport(
        long id, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var r = await db.FailureReports.Include(x => x.File).FirstOrDefaultAsync(x => x.Id == id, cancellationToken);
        if (r is null)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(new FailureReportDetailDto(
            ToSummary(r), r.Origin, r.FeedbackType, r.UserAgent, r.Version, r.OriginalMailFrom, r.OriginalRcptTo, r.AuthenticationResults,
            r.DkimDomain, r.DkimIdentity, r.DkimSelector, r.SpfDns, r.IdentityAlignment, r.ReportedUris, r.OriginalTo, r.OriginalDate,
            r.OriginalMessageId, r.OriginalHeaders, r.OriginalBody));
    }

    private static FailureReportSummaryDto ToSummary(FailureReportEntity r) => new(
        r.Id, r.Reporter, r.ArrivalAt, r.ArrivalDateGiven, r.SourceIp, r.ReportedDomain, r.AuthFailures, r.DeliveryResult,
        r.OriginalFrom, r.OriginalSubject, r.FileId, r.File!.ReceivedAt);
}
