using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;

namespace DmarcSecurity.Api.Reports;

public static class ReportsApi
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListReports).WithName(nameof(ListReports)).WithSummary("List aggregate reports, newest first by default.");
        group.MapGet("/{id:long}", GetReport).WithName(nameof(GetReport)).WithSummary("One report with its policy and records.");
        group.MapGet("/{id:long}/xml", GetReportXml).WithName(nameof(GetReportXml))
            .WithSummary("The report's XML exactly as received.")
            .Produces(StatusCodes.Status200OK, contentType: "application/xml");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<ReportSummaryDto>>, ValidationProblem>> ListReports(
        [AsParameters] ReportFilterParameters filter,
        [AsParameters] PagingParameters paging,
        IReportQueries queries,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await queries.ListReportsAsync(filter.ToFilter(), paging.ToPageRequest(), cancellationToken));
    }

    public static async Task<Results<Ok<ReportDetailDto>, NotFound>> GetReport(long id, IReportQueries queries, CancellationToken cancellationToken) =>
        await queries.GetReportAsync(id, cancellationToken) is { } report ? TypedResults.Ok(report) : TypedResults.NotFound();

    public static async Task<Results<FileContentHttpResult, NotFound>> GetReportXml(long id, IReportQueries queries, CancellationToken cancellationToken) =>
        await queries.GetRawXmlAsync(id, cancellationToken) is { } xml
            ? TypedResults.File(xml, "application/xml", $"report-{id}.xml")
            : TypedResults.NotFound();
}
