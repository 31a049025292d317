using DmarcSecurity.Api.Auth;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Api.Grains;

/// <summary>The grain runtime as the database sees it: partitions, their owners and lag, and the silos' heartbeats.</summary>
public static class SiloApi
{
    public static IEndpointRouteBuilder MapSiloApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/silo").WithTags("Silo").RequireAuthorization(Policies.Viewer)
            .MapGet("/status", GetSiloStatus).WithName(nameof(GetSiloStatus))
            .WithSummary("Partition count, pending events and their age per partition, partition owners, live silos.");
        return endpoints;
    }

    public static async Task<Ok<GrainRuntimeStatus>> GetSiloStatus(IGrainStatusQueries status, CancellationToken cancellationToken) =>
        TypedResults.Ok(await status.GetAsync(cancellationToken));
}
