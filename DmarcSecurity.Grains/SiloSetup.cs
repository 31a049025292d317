using DmarcSecurity.Data.Database;
using DmarcSecurity.Grains.Domains;
using DmarcSecurity.Grains.Outputs;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Settings;
using DmarcSecurity.Grains.Sources;

namespace DmarcSecurity.Grains;

public static class SiloSetup
{
    /// <summary>The DMARC grains on Orleans: domain and source-IP handlers, their settings (database and
    /// <c>Threat</c> configuration), the writer that stores alerts, decisions and outbox messages, and the silo
    /// (<see cref="GrainRuntimeHosting.AddGrainRuntime{TBuilder}"/>).</summary>
    public static TBuilder AddDmarcGrains<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddOptions<ThreatOptions>()
            .BindConfiguration(ThreatOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Registered before the runtime so the settings are loaded (and the rules seeded) before the first batch.
        services.AddSingleton<DatabaseGrainSettingsSource>();
        services.AddSingleton<IGrainSettingsSource>(sp => sp.GetRequiredService<DatabaseGrainSettingsSource>());
        services.AddHostedService(sp => sp.GetRequiredService<DatabaseGrainSettingsSource>());
        services.AddSingleton<IOutputStore>(sp => sp.GetRequiredService<DatabaseConnections>().Provider == DatabaseProvider.PostgreSql
            ? new PostgreSqlOutputStore()
            : new SqliteOutputStore());
        services.AddSingleton<IGrainOutputWriter, DatabaseOutputWriter>();
        services.AddGrainHandler<DomainGrainHandler>();
        services.AddGrainHandler<SourceIpGrainHandler>();
        builder.AddGrainRuntime();
        return builder;
    }
}
