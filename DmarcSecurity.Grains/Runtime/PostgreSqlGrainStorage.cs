using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace DmarcSecurity.Grains.Runtime;

internal sealed class PostgreSqlGrainStorage : IGrainStorage
{
    // SKIP LOCKED: a second consumer of the same partition (during a handover, or two silos that both believe they
    // own it) takes other rows instead of waiting, and can never take these. "= ANY(ARRAY(...))" makes the ids a
    // value for a primary-key lookup; "IN (...)" lets the planner hash-join against a scan of the whole inbox.
    internal const string Take =
        "DELETE FROM grain_inbox WHERE id = ANY(ARRAY(" +
        "SELECT id FROM grain_inbox WHERE partition = @partition AND grain_type = ANY(@types) " +
        "ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED)) " +
        "RETURNING id, grain_type, grain_key, event_type, payload, enqueued_at";

    // The inbox fills in bursts faster than autovacuum analyses it, and on statistics from a nearly empty inbox the
    // planner reads a partition's every row and sorts them to find the oldest few. Without sorts and bitmap scans the
    // only plan left is the ordered walk of the (partition, id) index that stops after the limit; both are restored
    // for the rest of the transaction.
    internal static readonly string[] OrderedScanOnly = ["SET LOCAL enable_sort = off", "SET LOCAL enable_bitmapscan = off"];
    internal static readonly string[] PlannerDefaults = ["SET LOCAL enable_sort TO DEFAULT", "SET LOCAL enable_bitmapscan TO DEFAULT"];

    // One primary-key probe per key, whatever the statistics say: "grain_key = ANY(@keys)" on statistics taken when
    // the table was small is planned as a scan of the grain type's every state, filtered by the keys. LIMIT 1 keeps
    // the subquery from being flattened into a join the planner could plan the same way.
    internal const string Load =
        "SELECT k.key, s.version, s.state FROM unnest(@keys) AS k(key) CROSS JOIN LATERAL (" +
        "SELECT version, state FROM grain_states WHERE grain_type = @type AND grain_key = k.key LIMIT 1) AS s";

    private const string Due =
        "SELECT grain_key, version, state FROM grain_states WHERE partition = @partition AND grain_type = @type AND updated_at <= @before " +
        "ORDER BY updated_at LIMIT @limit";

    private const string Update =
        "UPDATE grain_states AS s SET version = s.version + 1, state = u.state, updated_at = @now " +
        "FROM unnest(@types, @keys, @versions, @states) AS u(grain_type, grain_key, version, state) " +
        "WHERE s.grain_type = u.grain_type AND s.grain_key = u.grain_key AND s.version = u.version";

    // DO NOTHING plus the row count, rather than a unique violation: the conflict is expected and is not a server error.
    private const string Insert =
        "INSERT INTO grain_states (grain_type, grain_key, partition, version, state, updated_at) " +
        "SELECT u.grain_type, u.grain_key, @partition, 1, u.state, @now FROM unnest(@types, @keys, @states) AS u(grain_type, grain_key, state) " +
        "ON CONFLICT (grain_type, grain_key) DO NOTHING";

    private const string Work =
        "SELECT p FROM unnest(@partitions) AS p " +
        "WHERE EXISTS (SELECT 1 FROM grain_inbox i WHERE i.partition = p AND i.grain_type = ANY(@types))";

    public int MaxConcurrentBatches(int configured) => configured;

    public async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    public async Task<List<InboxEvent>> TakeAsync(DbConnection connection, DbTransaction transaction, int partition, string[] grainTypes, int limit, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        foreach (var setting in OrderedScanOnly)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
        }

        var take = new NpgsqlBatchCommand(Take);
        take.Parameters.Add(new NpgsqlParameter<int>("partition", partition));
        take.Parameters.Add(new NpgsqlParameter<string[]>("types", grainTypes));
        take.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        batch.BatchCommands.Add(take);
        foreach (var setting in PlannerDefaults)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
        }

        var events = new List<InboxEvent>(Math.Min(limit, 4096));
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            // The settings around the delete return no rows; its RETURNING is the one result with columns.
            do
            {
                while (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken))
                {
                    events.Add(new InboxEvent(
                        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                        reader.GetFieldValue<DateTimeOffset>(5)));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }

        // RETURNING follows the delete's plan, not the subquery's ORDER BY.
        events.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return events;
    }

    public async Task LoadAsync(DbConnection connection, DbTransaction transaction, string grainType, IReadOnlyList<string> keys, Dictionary<string, StoredGrain> into, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Load, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.Add(new NpgsqlParameter<string>("type", grainType));
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", keys as string[] ?? [.. keys]));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            into[reader.GetString(0)] = new StoredGrain(reader.GetInt64(1), reader.GetString(2));
        }
    }

    public async Task<List<(string Key, StoredGrain Grain)>> DueAsync(
        DbConnection connection, int partition, string grainType, DateTimeOffset writtenBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Due, (NpgsqlConnection)connection);
        command.Parameters.Add(new NpgsqlParameter<int>("partition", partition));
        command.Parameters.Add(new NpgsqlParameter<string>("type", grainType));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("before", NpgsqlDbType.TimestampTz) { TypedValue = writtenBefore.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var due = new List<(string, StoredGrain)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add((reader.GetString(0), new StoredGrain(reader.GetInt64(1), reader.GetString(2))));
        }

        return due;
    }

    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, int partition, IReadOnlyList<GrainWrite> writes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var updates = writes.Where(w => w.ExpectedVersion > 0).ToList();
        var inserts = writes.Where(w => w.ExpectedVersion == 0).ToList();
        var at = now.ToUniversalTime();

        // One round trip for both statements; each reports its own row count.
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        if (updates.Count > 0)
        {
            var update = new NpgsqlBatchCommand(Update);
            update.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = at });
            update.Parameters.Add(new NpgsqlParameter<string[]>("types", updates.Select(w => w.GrainType).ToArray()));
            update.Parameters.Add(new NpgsqlParameter<string[]>("keys", updates.Select(w => w.GrainKey).ToArray()));
            update.Parameters.Add(new NpgsqlParameter<long[]>("versions", updates.Select(w => w.ExpectedVersion).ToArray()));
            update.Parameters.Add(new NpgsqlParameter<string[]>("states", updates.Select(w => w.State).ToArray()));
            batch.BatchCommands.Add(update);
        }

        if (inserts.Count > 0)
        {
            var insert = new NpgsqlBatchCommand(Insert);
            insert.Parameters.Add(new NpgsqlParameter<int>("partition", partition));
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = at });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("types", inserts.Select(w => w.GrainType).ToArray()));
            insert.Parameters.Add(new NpgsqlParameter<string[]>("keys", inserts.Select(w => w.GrainKey).ToArray()));
            insert.Parameters.Add(new NpgsqlParameter<string[]>("states", inserts.Select(w => w.State).ToArray()));
            batch.BatchCommands.Add(insert);
        }

        if (batch.BatchCommands.Count == 0)
        {
            return;
        }

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected)
        {
            // Two writers updating the same grains in different orders: the same situation as a version mismatch.
            throw new GrainVersionConflictException(writes.Count, 0, e);
        }

        var written = 0;
        foreach (var command in batch.BatchCommands)
        {
            written += command.RecordsAffected;
        }

        if (written != writes.Count)
        {
            throw new GrainVersionConflictException(writes.Count, written);
        }
    }

    public async Task<List<int>> PartitionsWithWorkAsync(DbConnection connection, int[] partitions, string[] grainTypes, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Work, (NpgsqlConnection)connection);
        command.Parameters.Add(new NpgsqlParameter<int[]>("partitions", partitions));
        command.Parameters.Add(new NpgsqlParameter<string[]>("types", grainTypes));
        var result = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetInt32(0));
        }

        return result;
    }
}
