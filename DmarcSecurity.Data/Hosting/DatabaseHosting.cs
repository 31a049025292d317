using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Data.Hosting;

/// <summary>How every host (the Api, the silo) finds and prepares its database.</summary>
public static class DatabaseHosting
{
    /// <summary>Reads the connection string named <paramref name="connectionName"/> (as Aspire injects it,
    /// <c>ConnectionStrings__dmarcdb</c>): PostgreSQL, or SQLite for <c>Data Source=...</c>; with none, SQLite in the
    /// data folder. Registers the data services, the schema migration (run before anything else starts) and a
    /// database health check.</summary>
    public static TBuilder AddDmarcDatabase<TBuilder>(this TBuilder builder, string connectionName)
        where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = $"Data Source={Path.Combine(DataDirectory(builder.Configuration), "dmarcsecurity.db")}";
        }

        builder.Services.AddDmarcData(connectionString);
        builder.Services.AddSingleton(new DatabaseDescription(Describe(connectionString)));
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    /// <summary>The folder for local state (the default SQLite database, the Development signing key):
    /// <c>Storage:DataDirectory</c>, or <c>data</c> under the working directory. Created on first use.</summary>
    public static string DataDirectory(IConfiguration configuration)
    {
        var path = Path.GetFullPath(configuration["Storage:DataDirectory"] is { Length: > 0 } dir ? dir : "data");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Where the data lives, for the start-up log: never the password.</summary>
    private static string Describe(string connectionString)
    {
        if (DataServiceCollectionExtensions.DetectProvider(connectionString) == DatabaseProvider.Sqlite)
        {
            return "SQLite at " + Path.GetFullPath(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource);
        }

        var npgsql = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return $"PostgreSQL database {npgsql.Database ?? npgsql.Username} on {npgsql.Host}:{npgsql.Port}";
    }
}

internal sealed record DatabaseDescription(string Text);

/// <summary>Brings the schema up to date before the host does anything else (hosted services start in order, and
/// this one is registered with the database).</summary>
internal sealed partial class SchemaMigrationService(SchemaMigrator migrator, DatabaseDescription database, ILogger<SchemaMigrationService> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        LogDatabase(logger, database.Text);
        await migrator.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Using {Database}")]
    private static partial void LogDatabase(ILogger logger, string database);
}

internal sealed class DatabaseHealthCheck(IDbContextFactory<DmarcDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database cannot be reached.");
    }
}
