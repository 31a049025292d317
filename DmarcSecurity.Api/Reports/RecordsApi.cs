using DmarcSecurity.Api.Auth;
using System.Net;
using DmarcSecurity.Api.Common;

namespace DmarcSecurity.Api.Reports;

/// <summary>Record filters: <c>sourceIp</c> takes an address or a CIDR block (IPv4 or IPv6).</summary>
public sealed record RecordFilterParameters(
    string? Domain, string? SourceIp, string? Disposition, string? Dkim, string? Spf, DateTimeOffset? From, DateTimeOffset? To) : IValidatable
{
    public RecordFilter ToFilter() => new(Domain?.Trim(), SourceIp?.Trim(), Disposition?.Trim(), Dkim?.Trim(), Spf?.Trim(), From, To);

    public void Validate(IDictionary<string, string[]> errors)
    {
        DateRange.Validate(From, To, errors);
        if (!string.IsNullOrWhiteSpace(SourceIp) && !IPAddress.TryParse(SourceIp.Trim(), out _) && !IPNetwork.TryParse(SourceIp.Trim(), out _))
        {
            errors["sourceIp"] = ["sourceIp must be an IP address or a CIDR block such as 192.0.2.0/24."];
        }
    }
}

public static class RecordsApi
{
    public static IEndpointRouteBuilder MapRecordsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/records").WithTags("Records").RequireAuthorization(Policies.Viewer)
            .MapGet("/", ListRecords).WithName(nameof(ListRecords)).WithSummary("Search records across reports.");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<RecordDto>>, ValidationProblem>> ListRecords(
        [AsParameters] RecordFilterParameters filter,
        [AsParameters] PagingParameters paging,
        IReportQueries queries,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await queries.ListRecordsAsync(filter.ToFilter(), paging.ToPageRequest(), cancellationToken));
    }
}
