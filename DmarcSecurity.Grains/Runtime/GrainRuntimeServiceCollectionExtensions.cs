using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Grains.Runtime;

public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>Registers the silo as a hosted service, with its options (section <c>Grains</c>, validated at start).
    /// Needs <c>AddDmarcData</c> (the database) and the grain handlers (<see cref="AddGrainHandler{THandler}"/>);
    /// an <see cref="IGrainOutputWriter"/> is optional: without one, outputs are only counted.</summary>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<GrainRuntimeOptions>()
            .Bind(configuration.GetSection(GrainRuntimeOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GrainTelemetry>();
        services.TryAddSingleton<IGrainStorage>(sp => sp.GetRequiredService<DatabaseConnections>().Provider == DatabaseProvider.PostgreSql
            ? new PostgreSqlGrainStorage()
            : new SqliteGrainStorage());
        services.TryAddSingleton<IPartitionLeases>(sp =>
        {
            var connections = sp.GetRequiredService<DatabaseConnections>();
            return connections.Provider == DatabaseProvider.PostgreSql
                ? new PostgreSqlPartitionLeases(connections, sp.GetRequiredService<IOptions<GrainRuntimeOptions>>())
                : new SingleSiloLeases(connections);
        });
        services.TryAddSingleton(sp => new GrainSilo(
            sp.GetRequiredService<DatabaseConnections>(),
            sp.GetRequiredService<GrainPartitions>(),
            sp.GetServices<IGrainHandler>(),
            sp.GetServices<IGrainOutputWriter>(),
            sp.GetRequiredService<IGrainStorage>(),
            sp.GetRequiredService<IPartitionLeases>(),
            sp.GetRequiredService<IOptions<GrainRuntimeOptions>>(),
            sp.GetRequiredService<GrainTelemetry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<GrainSilo>>()));
        services.AddHostedService(sp => sp.GetRequiredService<GrainSilo>());
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
