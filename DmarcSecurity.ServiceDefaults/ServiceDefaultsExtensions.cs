using DmarcSecurity.ServiceDefaults.Health;
using DmarcSecurity.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DmarcSecurity.ServiceDefaults;

/// <summary>What every host shares, in the shape of the Aspire template's service defaults.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Our own sources and meters are all named DmarcSecurity.&lt;Component&gt;.</summary>
    public const string OwnSources = "DmarcSecurity.*";

    /// <summary>OpenTelemetry (traces, metrics, logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), health
    /// checks, service discovery and the standard resilience for every HttpClient, and forwarded headers from the
    /// configured proxies only.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.Services.AddDefaultHealthChecks(builder.Configuration);
        builder.Services.AddProxyHeaders();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Retries only for requests that may be repeated: a POST (a sign-in, an upload) is sent once.
            http.AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var prometheus = MetricsEndpoint.Enabled(builder.Configuration);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(OwnSources, "Npgsql", "Microsoft.EntityFrameworkCore", "Microsoft.Orleans");
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            })
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new QuietTimersSampler()))
                .AddSource(OwnSources, builder.Environment.ApplicationName, "Microsoft.Orleans.*")
                // Probes every few seconds would drown the traces people look for.
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments(HealthEndpoints.HealthPath) && !context.Request.Path.StartsWithSegments(HealthEndpoints.AlivePath)
                    && !context.Request.Path.StartsWithSegments(MetricsEndpoint.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }
}
