using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Schema;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Data.Tests;

/// <summary>A migrated database of its own for one test class, with the services the Api gets from AddDmarcData.</summary>
public abstract class DataFixture(DbProvider provider) : IAsyncLifetime
{
    public DbProvider Provider => provider;

    public string ConnectionString { get; private set; } = "";

    public ServiceProvider Services { get; private set; } = null!;

    public IReportIngestor Ingestor => Services.GetRequiredService<IReportIngestor>();

    public IReportQueries Reports => Services.GetRequiredService<IReportQueries>();

    public IStatsQueries Stats => Services.GetRequiredService<IStatsQueries>();

    public DmarcDbContext CreateContext() => Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabases.CreateAsync(provider);
        Services = BuildServices(ConnectionString);
        await Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await TestDatabases.DropAsync(ConnectionString);
    }

    public static ServiceProvider BuildServices(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build());
        services.AddLogging();
        services.AddDmarcData(connectionString);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}

public sealed class PostgreSqlFixture() : DataFixture(DbProvider.PostgreSql);

public sealed class SqliteFixture() : DataFixture(DbProvider.Sqlite);
