using DmarcSecurity.ServiceDefaults.Health;
using DmarcSecurity.ServiceDefaults.Http;
using DmarcSecurity.ServiceDefaults.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DmarcSecurity.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>OpenTelemetry (traces, metrics, logs over OTLP when configured), health checks, resilient HttpClients,
    /// and forwarded headers from the configured proxies only.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureTelemetry();
        builder.Services.AddDefaultHealthChecks();
        builder.Services.AddProxyHeaders();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => HttpResilienceHandler.CreatePipeline(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddTransient<HttpResilienceHandler>();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler<HttpResilienceHandler>());
        return builder;
    }
}
