using DmarcSecurity.Api.Common;
using DmarcSecurity.Data;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Schema;
using Microsoft.EntityFrameworkCore;
using DmarcSecurity.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DmarcSecurity.Api.Database;

internal static class DatabaseSetup
{
    /// <summary>Reads <c>ConnectionStrings:dmarcdb</c> (PostgreSQL, or SQLite for <c>Data Source=...</c>); with none,
    /// SQLite in a <c>data</c> folder under the working directory (or <c>Storage:DataDirectory</c>), created on demand.</summary>
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ResourceNames.Database);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = $"Data Source={Path.Combine(DataDirectory.Resolve(builder.Configuration), "dmarcsecurity.db")}";
        }

        builder.Services.AddDmarcData(connectionString);
        builder.Services.AddSingleton(new DatabaseDescription(Describe(connectionString)));
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
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

/// <summary>Brings the schema up to date before the server accepts requests (hosted services start first).</summary>
internal sealed partial class SchemaMigrationService(SchemaMigrator migrator, DatabaseDescription database, ILogger<SchemaMigrationService> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        LogDatabase(logger, database.Text);
        await migrator.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Using {Database}")]
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
