using System.Net;
using DmarcSecurity.Data.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using StackExchange.Redis;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>The <c>Orleans</c> configuration section as Aspire injects it.</summary>
public static class OrleansSettings
{
    public const string SectionName = "Orleans";
    public const string DefaultClusterId = "dmarcsecurity";
    public const string DefaultServiceId = "dmarcsecurity";
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    /// <summary>Where the silo serves the Orleans dashboard.</summary>
    public const string DashboardPath = "/orleans";
}

public static class GrainRuntimeHosting
{
    /// <summary>
    /// The silo: Orleans from the <c>Orleans</c> section (<c>ClusterId</c>, <c>ServiceId</c>,
    /// <c>Clustering:ProviderType</c> = Redis with <c>Clustering:ServiceKey</c> naming the connection string,
    /// <c>Endpoints:SiloPort</c> and <c>Endpoints:GatewayPort</c>); with no clustering configured, one silo on
    /// localhost. Then the partition grains, the batching grain storage and the runtime's options (section
    /// <c>Grains</c>, validated at start). Needs the database (<c>AddDmarcData</c>) and the grain handlers.
    /// </summary>
    public static TBuilder AddGrainRuntime<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var runtime = configuration.GetSection(GrainRuntimeOptions.SectionName).Get<GrainRuntimeOptions>() ?? new GrainRuntimeOptions();
        var orleans = configuration.GetSection(OrleansSettings.SectionName);
        var provider = orleans["Clustering:ProviderType"];
        if (string.Equals(provider, "Redis", StringComparison.OrdinalIgnoreCase) && orleans["Clustering:ServiceKey"] is { Length: > 0 } serviceKey)
        {
            // Orleans' Redis provider takes the multiplexer registered under the service key, as Aspire's Redis client
            // integration would register it; this is that registration, from ConnectionStrings:<key>.
            var connectionString = configuration.GetConnectionString(serviceKey)
                ?? throw new InvalidOperationException($"Orleans:Clustering:ServiceKey is '{serviceKey}' but ConnectionStrings:{serviceKey} is not set.");
            services.TryAddKeyedSingleton<IConnectionMultiplexer>(serviceKey, (_, _) => ConnectionMultiplexer.Connect(connectionString));
        }

        builder.UseOrleans(silo =>
        {
            if (string.IsNullOrEmpty(provider))
            {
                silo.UseLocalhostClustering(
                    orleans.GetValue("Endpoints:SiloPort", OrleansSettings.DefaultSiloPort),
                    orleans.GetValue("Endpoints:GatewayPort", OrleansSettings.DefaultGatewayPort),
                    serviceId: orleans["ServiceId"] ?? OrleansSettings.DefaultServiceId,
                    clusterId: orleans["ClusterId"] ?? OrleansSettings.DefaultClusterId);
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = orleans["ClusterId"] ?? OrleansSettings.DefaultClusterId;
                    o.ServiceId = orleans["ServiceId"] ?? OrleansSettings.DefaultServiceId;
                });
                silo.Configure<EndpointOptions>(o =>
                {
                    o.SiloPort = orleans.GetValue("Endpoints:SiloPort", OrleansSettings.DefaultSiloPort);
                    o.GatewayPort = orleans.GetValue("Endpoints:GatewayPort", OrleansSettings.DefaultGatewayPort);
                    if (orleans["Endpoints:AdvertisedIPAddress"] is { Length: > 0 } advertised)
                    {
                        o.AdvertisedIPAddress = IPAddress.Parse(advertised);
                    }
                });
            }

            silo.AddGrainRuntime(runtime);
        });

        services.AddGrainRuntimeServices();
        return builder;
    }

    /// <summary>The silo side of the runtime, for hosts that build their silos themselves (Orleans' test clusters):
    /// membership probes, activation collection, partition placement, activity propagation and the dashboard.</summary>
    public static ISiloBuilder AddGrainRuntime(this ISiloBuilder silo, GrainRuntimeOptions runtime)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(runtime);
        // A silo killed without a goodbye is declared dead after MissedProbesLimit probes of ProbeTimeout each
        // (about 2 s with the defaults here; Orleans' own defaults take 10 s or more).
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = runtime.ProbeTimeout;
            o.NumMissedProbesLimit = runtime.MissedProbesLimit;
            o.NumVotesForDeathDeclaration = 1;
        });
        silo.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionAge = runtime.IdleEviction;
            o.CollectionQuantum = CollectionQuantum(runtime.IdleEviction);
        });
        silo.Services.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();
        if (runtime.TraceGrainCalls)
        {
            // A span per grain call: at tens of thousands of calls a second this costs a tenth of the silo's CPU.
            silo.AddActivityPropagation();
        }

        // The dashboard samples Orleans' counters (some of which walk every activation) and profiles grain calls only
        // while someone looks at it.
        silo.AddDashboard(o => o.CounterUpdateIntervalMs = 5_000);
        silo.Services.Configure<GrainProfilerOptions>(o => o.DeactivationTime = TimeSpan.FromSeconds(10));
        return silo;
    }

    /// <summary>How often Orleans looks for idle grains to collect.</summary>
    internal static TimeSpan CollectionQuantum(TimeSpan idleEviction) =>
        idleEviction < TimeSpan.FromMinutes(2) ? idleEviction / 2 : TimeSpan.FromMinutes(1);

    /// <summary>The runtime's services beside Orleans: options (section <c>Grains</c>), batching storage, the
    /// partition keeper and the membership health check. Needs the database and the grain handlers.</summary>
    public static IServiceCollection AddGrainRuntimeServices(this IServiceCollection services)
    {
        services.AddOptions<GrainRuntimeOptions>()
            .BindConfiguration(GrainRuntimeOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GrainTelemetry>();
        services.TryAddSingleton<IGrainStore>(sp => sp.GetRequiredService<DatabaseConnections>().Provider == DatabaseProvider.PostgreSql
            ? new PostgreSqlGrainStore()
            : new SqliteGrainStore());
        services.TryAddSingleton<GrainStorage>();
        services.TryAddSingleton<ActiveGrains>();
        services.AddSingleton<PartitionKeeper>();
        services.AddHostedService(sp => sp.GetRequiredService<PartitionKeeper>());
        services.AddHostedService<IdleMemoryTrim>();
        services.AddHealthChecks().AddCheck<ClusterMembershipHealthCheck>("orleans-cluster");
        return services;
    }

    /// <summary>Registers the behaviour of one grain type (one handler per <see cref="IGrainHandler.GrainType"/>).</summary>
    public static IServiceCollection AddGrainHandler<THandler>(this IServiceCollection services)
        where THandler : class, IGrainHandler
    {
        services.AddSingleton<IGrainHandler, THandler>();
        return services;
    }
}
