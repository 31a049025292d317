using DmarcSecurity.Api.Auth;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Api.Grains;

/// <summary>The grain inbox as the database sees it: partitions, their lag and the dead letters. Cluster membership is on
/// the silo's /health and its Orleans dashboard.</summary>
public static class SiloApi
{
    public static IEndpointRouteBuilder MapSiloApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/silo").WithTags("Silo").RequireAuthorization(Policies.Viewer)
            .MapGet("/status", GetSiloStatus).WithName(nameof(GetSiloStatus))
            .WithSummary("Partition count, pending events and their age per partition, dead letters.");
        return endpoints;
    }

    public static async Task<Ok<GrainRuntimeStatus>> GetSiloStatus(IGrainStatusQueries status, CancellationToken cancellationToken) =>
        TypedResults.Ok(await status.GetAsync(cancellationToken));
}
