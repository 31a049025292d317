using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.ServiceDefaults.Health;

/// <summary>
/// <c>/metrics</c> for Prometheus: every meter the host reports (ingestion, grains, decisions, deliveries, HTTP,
/// runtime, database) in Prometheus' text format. Off unless <c>Metrics__Prometheus=true</c>; with
/// <c>Metrics__BearerToken</c> set, a scrape must send <c>Authorization: Bearer &lt;token&gt;</c> (Prometheus'
/// <c>authorization</c> setting), since the Api and the Web app are reachable from outside.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static bool Enabled(IConfiguration configuration) => configuration.GetValue<bool>("Metrics:Prometheus");

    internal static void Map(IEndpointRouteBuilder endpoints)
    {
        var configuration = endpoints.ServiceProvider.GetRequiredService<IConfiguration>();
        if (!Enabled(configuration))
        {
            return;
        }

        var token = configuration["Metrics:BearerToken"];
        var expected = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes("Bearer " + token));
        var scrape = endpoints.CreateApplicationBuilder()
            .Use(async (context, next) =>
            {
                var sent = SHA256.HashData(Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()));
                if (expected is not null && !CryptographicOperations.FixedTimeEquals(sent, expected))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    return;
                }

                await next(context);
            })
            .UseOpenTelemetryPrometheusScrapingEndpoint(Path)
            .Build();
        endpoints.Map(Path, scrape).AllowAnonymous();
    }
}
