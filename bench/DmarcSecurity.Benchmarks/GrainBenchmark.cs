using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DmarcSecurity.Data;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Schema;
using DmarcSecurity.Grains.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// Grain runtime throughput on PostgreSQL: 200,000 events over 5,000 grains of a counter grain (JSON in, JSON state,
/// an output every 7th event), applied by one silo and then by two silos in separate service containers (separate
/// connection pools, as separate processes would have). The silos start on an empty inbox and settle their partition
/// shares first; the events are then committed in one COPY, and the clock runs from that commit to the empty inbox.
/// Needs DMARC_TEST_POSTGRES (an admin connection string); each run uses a fresh database.
/// </summary>
public static class GrainBenchmark
{
    private const int Events = 200_000;
    private const int Keys = 5_000;
    private const int Runs = 3;

    public static async Task RunAsync(TextWriter output)
    {
        var admin = Environment.GetEnvironmentVariable("DMARC_TEST_POSTGRES")
            ?? throw new InvalidOperationException("DMARC_TEST_POSTGRES is not set: run bench/run.sh.");

        output.WriteLine();
        output.WriteLine($"== grains: {Events:N0} events over {Keys:N0} counter grains on PostgreSQL, median of {Runs} runs ==");
        var events = Generate();
        foreach (var silos in new[] { 1, 2 })
        {
            var enqueueRates = new List<double>();
            var applyRates = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                var (enqueue, apply) = await RunOnceAsync(admin, silos, events);
                enqueueRates.Add(enqueue);
                applyRates.Add(apply);
            }

            output.WriteLine($"{silos} silo{(silos == 1 ? " " : "s")}: {Median(applyRates),9:N0} events/s applied " +
                             $"(runs: {string.Join(", ", applyRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}); " +
                             $"enqueue by COPY {Median(enqueueRates):N0} events/s");
        }
    }

    private static async Task<(double Enqueue, double Apply)> RunOnceAsync(string admin, int siloCount, List<NewInboxEvent> events)
    {
        var connectionString = await BenchDatabase.CreateAsync(admin, "grains");
        var silos = new List<ServiceProvider>();
        try
        {
            await using var writer = Services(connectionString, withSilo: false);
            await writer.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
            for (var i = 0; i < siloCount; i++)
            {
                var services = Services(connectionString, withSilo: true);
                silos.Add(services);
                await services.GetRequiredService<GrainSilo>().StartAsync(CancellationToken.None);
            }

            await WaitForAsync(() => silos.All(s => s.GetRequiredService<GrainSilo>().PartitionCount > 0), "the silos to start");
            var partitions = silos[0].GetRequiredService<GrainSilo>().PartitionCount;
            await WaitForAsync(() => silos.All(s => s.GetRequiredService<GrainSilo>().OwnedPartitions.Count >= partitions / siloCount), "the silos to share the partitions");

            var connections = writer.GetRequiredService<DatabaseConnections>();
            var inbox = writer.GetRequiredService<IGrainInboxWriter>();
            var clock = Stopwatch.StartNew();
            await using (var connection = await connections.OpenAsync(CancellationToken.None))
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await inbox.EnqueueAsync(connection, transaction, events, CancellationToken.None);
                await transaction.CommitAsync();
            }

            var enqueue = events.Count / clock.Elapsed.TotalSeconds;
            clock.Restart();
            await using (var connection = await connections.OpenAsync(CancellationToken.None))
            {
                while (await PendingAsync(connection) > 0)
                {
                    await Task.Delay(10);
                }
            }

            return (enqueue, events.Count / clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.GetRequiredService<GrainSilo>().StopAsync(CancellationToken.None);
                await silo.DisposeAsync();
            }

            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(connectionString).Database} WITH (FORCE)");
        }
    }

    private static ServiceProvider Services(string connectionString, bool withSilo)
    {
        var configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddDmarcData(connectionString);
        if (withSilo)
        {
            services.AddGrainRuntime(configuration);
            services.AddGrainHandler<BenchCounterGrain>();
        }

        return services.BuildServiceProvider();
    }

    private static List<NewInboxEvent> Generate()
    {
        var random = new Random(42);
        return Enumerable.Range(0, Events)
            .Select(_ => new NewInboxEvent(BenchCounterGrain.Type, $"key-{random.Next(Keys)}", "add", $$"""{"value":{{random.Next(1, 1000)}}}"""))
            .ToList();
    }

    private static async Task<long> PendingAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand(null, "SELECT COUNT(*) FROM grain_inbox");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Waited a minute for {what}.");
            }

            await Task.Delay(50);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>Sums event values per grain; an output at every 7th event. JSON in and out, as real grains do.</summary>
    private sealed class BenchCounterGrain : IGrainHandler
    {
        public const string Type = "bench-counter";

        private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

        public string GrainType => Type;

        public TimeSpan? TickInterval => null;

        public GrainUpdate Apply(string key, string? state, IReadOnlyList<InboxEvent> events, DateTimeOffset now)
        {
            var total = state is null ? new Total(0, 0) : JsonSerializer.Deserialize<Total>(state, s_json)!;
            List<GrainOutput>? outputs = null;
            foreach (var e in events)
            {
                total = new Total(total.Sum + JsonSerializer.Deserialize<Added>(e.Payload, s_json)!.Value, total.Count + 1);
                if (total.Count % 7 == 0)
                {
                    (outputs ??= []).Add(new GrainOutput("milestone", JsonSerializer.Serialize(total, s_json)));
                }
            }

            return new GrainUpdate(JsonSerializer.Serialize(total, s_json), outputs ?? []);
        }

        public GrainUpdate? Tick(string key, string state, DateTimeOffset now) => null;

        private sealed record Total(long Sum, long Count);

        private sealed record Added(long Value);
    }
}
