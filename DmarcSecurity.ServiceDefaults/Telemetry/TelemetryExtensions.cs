using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DmarcSecurity.ServiceDefaults.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>Our own sources and meters are all named DmarcSecurity.&lt;Component&gt;.</summary>
    public const string OwnSources = "DmarcSecurity.*";

    // ASP.NET Core, HttpClient, Npgsql and Orleans (grain calls: Microsoft.Orleans.Runtime and .Application) publish
    // their own ActivitySources and Meters; listening is all it takes.
    private static readonly string[] s_frameworkSources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "Microsoft.Orleans.*"];

    private static readonly string[] s_frameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "System.Net.Http",
        "System.Net.NameResolution",
        "System.Runtime",
        "Microsoft.EntityFrameworkCore",
        "Npgsql",
        "Microsoft.Orleans",
    ];

    public static IHostApplicationBuilder ConfigureTelemetry(this IHostApplicationBuilder builder)
    {
        var options = TelemetryOptions.From(builder.Configuration, builder.Environment.ApplicationName);
        var resource = ResourceBuilder.CreateEmpty()
            .AddService(options.ServiceName, serviceInstanceId: Environment.MachineName + "-" + Environment.ProcessId)
            .AddAttributes(options.Attributes);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.SetResourceBuilder(resource);
            if (options.Endpoint is not null)
            {
                logging.AddOtlpExporter(exporter => Configure(exporter, options, "v1/logs"));
            }
        });

        builder.Services.AddSingleton(_ =>
        {
            var tracing = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(OwnSources)
                .AddSource(s_frameworkSources);
            if (options.Endpoint is not null)
            {
                tracing.AddOtlpExporter(exporter => Configure(exporter, options, "v1/traces"));
            }

            var metrics = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter(OwnSources)
                .AddMeter(s_frameworkMeters);
            if (options.Endpoint is not null)
            {
                metrics.AddOtlpExporter(exporter => Configure(exporter, options, "v1/metrics"));
            }

            return new TelemetryProviders(tracing.Build(), metrics.Build());
        });
        builder.Services.AddHostedService<TelemetryLifetime>();
        return builder;
    }

    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions options, string signalPath)
    {
        exporter.Protocol = options.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        exporter.Endpoint = options.SignalEndpoint(signalPath);
    }
}

/// <summary>Holds the tracer and meter providers for the life of the host; disposing flushes what is buffered.</summary>
public sealed class TelemetryProviders(TracerProvider tracing, MeterProvider metrics) : IDisposable
{
    public TracerProvider Tracing { get; } = tracing;

    public MeterProvider Metrics { get; } = metrics;

    public void Dispose()
    {
        Tracing.Dispose();
        Metrics.Dispose();
    }
}

/// <summary>Builds the providers when the host starts (so listening begins before the first request) and flushes them at stop.</summary>
internal sealed class TelemetryLifetime(TelemetryProviders providers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        providers.Tracing.ForceFlush(5000);
        providers.Metrics.ForceFlush(5000);
        return Task.CompletedTask;
    }
}
