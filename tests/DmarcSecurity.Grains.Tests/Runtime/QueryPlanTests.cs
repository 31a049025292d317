using System.Data.Common;
using DmarcSecurity.Grains.Outputs;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Testing;
using Npgsql;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>
/// The silo's hot queries on PostgreSQL keep their index plans when the statistics are stale — the usual state of
/// the inbox during a burst, filled faster than autovacuum analyses it. Each table is analysed empty and then filled,
/// and the plans are read with EXPLAIN exactly as the silo sends the queries.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class QueryPlanTests : IAsyncLifetime
{
    private GrainTestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql);
        await _database.ExecuteAsync("ANALYZE grain_inbox; ANALYZE grain_states; ANALYZE alerts;");
        await _database.ExecuteAsync(
            "INSERT INTO grain_inbox (partition, grain_type, grain_key, event_type, payload, enqueued_at) " +
            "SELECT g % 8, 'source-ip', '10.0.' || (g / 256) || '.' || (g % 256), 'dmarc.record', '{}', now() FROM generate_series(1, 40000) AS g");
        await _database.ExecuteAsync(
            "INSERT INTO grain_states (grain_type, grain_key, partition, version, state, updated_at) " +
            "SELECT 'source-ip', '10.0.' || (g / 256) || '.' || (g % 256), g % 8, 1, '{}', now() FROM generate_series(1, 40000) AS g");
        await _database.ExecuteAsync(
            "INSERT INTO alerts (fingerprint, rule_key, severity, grain_type, grain_key, title, detail, discriminators, status, occurrences, first_seen_at, last_seen_at) " +
            "SELECT md5(g::text), 'domain.new-source', 'Medium', 'domain', 'example.com', 't', 'd', '{}', 'Open', 1, now(), now() FROM generate_series(1, 20000) AS g");
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Reading_a_batch_walks_the_partitions_index_in_order_and_sorts_nothing()
    {
        await using var connection = (NpgsqlConnection)await _database.Connections.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, PostgreSqlGrainStore.OrderedScanOnly);
        var plan = await ExplainAsync(connection, PostgreSqlGrainStore.Peek,
            new NpgsqlParameter<int>("partition", 3), new NpgsqlParameter<string[]>("types", ["domain", "source-ip"]), new NpgsqlParameter<int>("limit", 1000));
        await transaction.CommitAsync();

        Assert.Contains("\"Index Name\": \"ix_grain_inbox_partition_id\"", plan);
        Assert.DoesNotContain("\"Node Type\": \"Sort\"", plan);
        Assert.DoesNotContain("Bitmap", plan);
        // The planner's settings were local to the read's transaction.
        Assert.Equal("on", await ShowAsync(connection, "enable_sort"));
        Assert.Equal("on", await ShowAsync(connection, "enable_bitmapscan"));
    }

    [Fact]
    public async Task Loading_states_probes_the_primary_key_once_per_grain_key()
    {
        await using var connection = (NpgsqlConnection)await _database.Connections.OpenAsync(CancellationToken.None);
        var keys = Enumerable.Range(1, 1000).Select(i => $"10.0.{i / 256}.{i % 256}").ToArray();
        var plan = await ExplainAsync(connection, PostgreSqlGrainStore.Load,
            new NpgsqlParameter<string>("type", "source-ip"), new NpgsqlParameter<string[]>("keys", keys));

        Assert.Contains("\"Index Name\": \"grain_states_pkey\"", plan);
        Assert.Contains("(grain_key = k.key)", plan);
        Assert.DoesNotContain("Bitmap", plan);
    }

    [Fact]
    public async Task Finding_open_alerts_probes_the_open_fingerprint_index_once_per_fingerprint()
    {
        await using var connection = (NpgsqlConnection)await _database.Connections.OpenAsync(CancellationToken.None);
        var fingerprints = Enumerable.Range(1, 1000).Select(i => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(BitConverter.GetBytes(i)))).ToArray();
        var plan = await ExplainAsync(connection, PostgreSqlOutputStore.Open, new NpgsqlParameter<string[]>("fingerprints", fingerprints));

        Assert.Contains("\"Index Name\": \"ux_alerts_open_fingerprint\"", plan);
        Assert.DoesNotContain("Seq Scan", plan);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, IEnumerable<string> statements)
    {
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<string> ExplainAsync(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand("EXPLAIN (FORMAT JSON) " + sql, connection);
        command.Parameters.AddRange(parameters);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> ShowAsync(DbConnection connection, string setting)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SHOW " + setting;
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
