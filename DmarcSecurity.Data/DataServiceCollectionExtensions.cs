using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Schema;
using DmarcSecurity.Data.Stats;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DmarcSecurity.Data;

public static class DataServiceCollectionExtensions
{
    private const string SqlitePrefix = "Data Source=";

    /// <summary>Registers the DbContext factory, the schema migrator, the ingestor, the queries and the grain inbox
    /// writer and status query.
    /// A connection string that starts with <c>Data Source=</c> selects SQLite; anything else is an Npgsql connection string.</summary>
    public static IServiceCollection AddDmarcData(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var provider = DetectProvider(connectionString);

        services.AddOptions<DataOptions>()
            .BindConfiguration(DataOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddPooledDbContextFactory<DmarcDbContext>(options => Configure(options, connectionString));

        if (provider == DatabaseProvider.PostgreSql)
        {
            services.AddSingleton<ISqlDialect, PostgreSqlDialect>();
            services.AddSingleton<IRecordBulkWriter, PostgreSqlRecordWriter>();
        }
        else
        {
            services.AddSingleton<ISqlDialect, SqliteDialect>();
            services.AddSingleton<IRecordBulkWriter, SqliteRecordWriter>();
        }

        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<IReportIngestor, ReportIngestor>();
        services.AddSingleton<Ids.IIdsIngestor, Ids.IdsIngestor>();
        services.AddSingleton<IReportQueries, ReportQueries>();
        services.AddSingleton<IStatsQueries, StatsQueries>();
        services.AddSingleton<SourceRollups>();
        services.AddSingleton<ISourceRollups>(sp => sp.GetRequiredService<SourceRollups>());

        services.AddOptions<GrainClusterOptions>()
            .BindConfiguration(GrainClusterOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new DatabaseConnections(connectionString));
        services.AddSingleton<GrainPartitions>();
        services.AddSingleton<IGrainInboxWriter, GrainInboxWriter>();
        services.AddSingleton<IGrainStatusQueries, GrainStatusQueries>();
        return services;
    }

    public static DatabaseProvider DetectProvider(string connectionString) =>
        connectionString.TrimStart().StartsWith(SqlitePrefix, StringComparison.OrdinalIgnoreCase)
            ? DatabaseProvider.Sqlite
            : DatabaseProvider.PostgreSql;

    internal static void Configure(DbContextOptionsBuilder options, string connectionString)
    {
        if (DetectProvider(connectionString) == DatabaseProvider.Sqlite)
        {
            options.UseSqlite(connectionString);
            options.AddInterceptors(SqliteConnectionSetup.Instance);
        }
        else
        {
            options.UseNpgsql(connectionString);
        }

        // Reads are projections or explicitly tracked inserts; nothing relies on tracking query results.
        options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        options.ReplaceService<IModelCacheKeyFactory, ProviderModelCacheKeyFactory>();
    }
}
