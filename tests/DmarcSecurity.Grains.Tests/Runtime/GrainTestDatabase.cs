using System.Diagnostics;
using System.Globalization;
using DmarcSecurity.Data;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Schema;
using DmarcSecurity.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>A migrated database of its own (plus the test output table), the services an ingesting process would
/// have on it, and silos to run against it.</summary>
internal sealed class GrainTestDatabase : IAsyncDisposable
{
    private readonly List<TestSilo> _silos = [];

    private GrainTestDatabase(DbProvider provider, string connectionString, ServiceProvider services)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Services = services;
    }

    public DbProvider Provider { get; }

    public string ConnectionString { get; }

    public ServiceProvider Services { get; }

    public DatabaseConnections Connections => Services.GetRequiredService<DatabaseConnections>();

    public IGrainInboxWriter Inbox => Services.GetRequiredService<IGrainInboxWriter>();

    public static async Task<GrainTestDatabase> CreateAsync(DbProvider provider, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var connectionString = await TestDatabases.CreateAsync(provider);
        var services = BuildServices(connectionString, settings);
        await services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        var database = new GrainTestDatabase(provider, connectionString, services);
        await database.ExecuteAsync(TestOutputWriter.CreateTable);
        return database;
    }

    public static ServiceProvider BuildServices(string connectionString, IReadOnlyDictionary<string, string?>? settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build());
        services.AddLogging();
        services.AddDmarcData(connectionString);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public TestSilo CreateSilo(ITestOutputHelper? output = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null, TimeSpan? tickInterval = null)
    {
        var silo = TestSilo.Create(ConnectionString, output, settings, configure, tickInterval);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Enqueues in chunks, each in a transaction of its own, as an ingesting process would.</summary>
    public async Task EnqueueAsync(IReadOnlyList<NewInboxEvent> events, int chunk = 10_000)
    {
        foreach (var part in events.Chunk(chunk))
        {
            await using var connection = await Connections.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync();
            await Inbox.EnqueueAsync(connection, transaction, part, CancellationToken.None);
            await transaction.CommitAsync();
        }
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await Connections.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand(null, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await Connections.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand(null, sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until every event has been applied: an event leaves the inbox in the transaction that applies it.</summary>
    public async Task WaitForEmptyInboxAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (await ScalarAsync("SELECT COUNT(*) FROM grain_inbox") > 0)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The inbox still holds {await ScalarAsync("SELECT COUNT(*) FROM grain_inbox")} events after {timeout}.");
            }

            await Task.Delay(100);
        }
    }

    public async Task<SortedDictionary<string, (long Version, CounterState State)>> StatesAsync()
    {
        var states = new SortedDictionary<string, (long, CounterState)>(StringComparer.Ordinal);
        await using var connection = await Connections.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand(null, "SELECT grain_key, version, state FROM grain_states WHERE grain_type = 'counter'");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            states[reader.GetString(0)] = (reader.GetInt64(1), CounterGrain.Read(reader.GetString(2)));
        }

        return states;
    }

    /// <summary>Every stored output as "key:count", sorted; duplicates stay visible.</summary>
    public async Task<List<string>> OutputsAsync()
    {
        var outputs = new List<string>();
        await using var connection = await Connections.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand(null, "SELECT grain_key, payload FROM test_outputs");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var payload = System.Text.Json.JsonDocument.Parse(reader.GetString(1));
            outputs.Add($"{reader.GetString(0)}:{payload.RootElement.GetProperty("count").GetInt64()}");
        }

        outputs.Sort(StringComparer.Ordinal);
        return outputs;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await Services.DisposeAsync();
        await TestDatabases.DropAsync(ConnectionString);
    }
}
