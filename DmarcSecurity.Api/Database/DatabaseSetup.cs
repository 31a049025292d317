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
            var dataDirectory = Path.GetFullPath(builder.Configuration["Storage:DataDirectory"] is { Length: > 0 } dir ? dir : "data");
            Directory.CreateDirectory(dataDirectory);
            connectionString = $"Data Source={Path.Combine(dataDirectory, "dmarcsecurity.db")}";
        }

        builder.Services.AddDmarcData(connectionString);
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}

/// <summary>Brings the schema up to date before the server accepts requests (hosted services start first).</summary>
internal sealed class SchemaMigrationService(SchemaMigrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
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
