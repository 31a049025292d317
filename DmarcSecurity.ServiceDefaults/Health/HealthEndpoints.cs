using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DmarcSecurity.ServiceDefaults.Health;

public static class HealthEndpoints
{
    /// <summary>Checks tagged with this take part in liveness (<c>/alive</c>); every check takes part in readiness (<c>/health</c>).</summary>
    public const string LiveTag = "live";

    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    internal static IHealthChecksBuilder AddDefaultHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

    /// <summary>Maps <c>/health</c> (ready: every check) and <c>/alive</c> (live: the process answers), open to anonymous
    /// callers. Both are mapped in every environment because the AppHost and container probes depend on them.
    /// <paramref name="healthWriter"/> writes the <c>/health</c> answer where a host has more to say than healthy or
    /// not (the silo lists its cluster's members).</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder endpoints, Func<Microsoft.AspNetCore.Http.HttpContext, HealthReport, Task>? healthWriter = null)
    {
        // Probes do not sign in; by default the answers hold no data beyond healthy or not.
        var health = new HealthCheckOptions();
        if (healthWriter is not null)
        {
            health.ResponseWriter = healthWriter;
        }

        endpoints.MapHealthChecks(HealthPath, health).AllowAnonymous();
        endpoints.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) }).AllowAnonymous();
        return endpoints;
    }
}
