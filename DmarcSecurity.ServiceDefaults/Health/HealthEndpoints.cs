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

    /// <summary>The check of the Redis a host uses (<c>ConnectionStrings__cache</c>), when it has one.</summary>
    public const string CacheCheck = "cache";

    internal static IHealthChecksBuilder AddDefaultHealthChecks(this IServiceCollection services, IConfiguration configuration)
    {
        var checks = services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        if (services.AddSharedRedis(configuration))
        {
            checks.AddCheck<RedisHealthCheck>(CacheCheck);
        }

        return checks;
    }

    /// <summary>Maps <c>/health</c> (ready: every check) and <c>/alive</c> (live: the process answers), open to anonymous
    /// callers. Both are mapped in every environment because the AppHost and container probes depend on them.
    /// <paramref name="healthWriter"/> writes the <c>/health</c> answer where a host has more to say than healthy or
    /// not (the silo lists its cluster's members).</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder endpoints, Func<Microsoft.AspNetCore.Http.HttpContext, HealthReport, Task>? healthWriter = null)
    {
        // Probes do not sign in: the answer names each check and its status, nothing more.
        var health = new HealthCheckOptions { ResponseWriter = healthWriter ?? HealthReportJson.WriteAsync };

        endpoints.MapHealthChecks(HealthPath, health).AllowAnonymous();
        endpoints.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) }).AllowAnonymous();
        MetricsEndpoint.Map(endpoints);
        return endpoints;
    }
}
