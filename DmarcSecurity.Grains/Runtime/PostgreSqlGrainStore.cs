using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace DmarcSecurity.Grains.Runtime;

internal sealed class PostgreSqlGrainStore : IGrainStore
{
    internal const string Peek =
        "SELECT id, grain_type, grain_key, event_type, payload, enqueued_at FROM grain_inbox " +
        "WHERE partition = @partition AND grain_type = ANY(@types) ORDER BY id LIMIT @limit";

    // The inbox fills in bursts faster than autovacuum analyses it, and on statistics from a nearly empty inbox the
    // planner reads a partition's every row and sorts them to find the oldest few. Without sorts and bitmap scans the
    // only plan left is the ordered walk of the (partition, id) index that stops after the limit.
    internal static readonly string[] OrderedScanOnly = ["SET LOCAL enable_sort = off", "SET LOCAL enable_bitmapscan = off"];

    // One primary-key probe per key, whatever the statistics say: "grain_key = ANY(@keys)" on statistics taken when
    // the table was small is planned as a scan of the grain type's every state, filtered by the keys. LIMIT 1 keeps
    // the subquery from being flattened into a join the planner could plan the same way.
    internal const string Load =
        "SELECT k.key, s.version, s.state FROM unnest(@keys) AS k(key) CROSS JOIN LATERAL (" +
        "SELECT version, state FROM grain_states WHERE grain_type = @type AND grain_key = k.key LIMIT 1) AS s";

    private const string Due =
        "SELECT grain_key FROM grain_states WHERE partition = @partition AND grain_type = @type AND updated_at <= @before " +
        "ORDER BY updated_at LIMIT @limit";

    private const string Delete = "DELETE FROM grain_inbox WHERE id = ANY(@ids) RETURNING id";

    private const string Update =
        "UPDATE grain_states AS s SET version = s.version + 1, state = u.state, updated_at = @now " +
        "FROM unnest(@types, @keys, @versions, @states) AS u(grain_type, grain_key, version, state) " +
        "WHERE s.grain_type = u.grain_type AND s.grain_key = u.grain_key AND s.version = u.version " +
        "RETURNING s.grain_type, s.grain_key";

    // DO NOTHING plus RETURNING, rather than a unique violation: the conflict is expected and is not a server error.
    private const string Insert =
        "INSERT INTO grain_states (grain_type, grain_key, partition, version, state, updated_at) " +
        "SELECT u.grain_type, u.grain_key, u.partition, 1, u.state, @now " +
        "FROM unnest(@types, @keys, @partitions, @states) AS u(grain_type, grain_key, partition, state) " +
        "ON CONFLICT (grain_type, grain_key) DO NOTHING RETURNING grain_type, grain_key";

    public int MaxConcurrentCommits(int configured) => configured;

    public async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    public async Task<List<InboxEvent>> PeekAsync(DbConnection connection, int partition, string[] grainTypes, int limit, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        foreach (var setting in OrderedScanOnly)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
        }

        var peek = new NpgsqlBatchCommand(Peek);
        peek.Parameters.Add(new NpgsqlParameter<int>("partition", partition));
        peek.Parameters.Add(new NpgsqlParameter<string[]>("types", grainTypes));
        peek.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        batch.BatchCommands.Add(peek);
        var events = new List<InboxEvent>(Math.Min(limit, 4096));
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
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

        await transaction.CommitAsync(cancellationToken);
        return events;
    }

    public async Task LoadAsync(DbConnection connection, string grainType, IReadOnlyList<string> keys, Dictionary<string, StoredGrain> into, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Load, (NpgsqlConnection)connection);
        command.Parameters.Add(new NpgsqlParameter<string>("type", grainType));
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", keys as string[] ?? [.. keys]));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            into[reader.GetString(0)] = new StoredGrain(reader.GetInt64(1), reader.GetString(2));
        }
    }

    public async Task<List<string>> DueAsync(DbConnection connection, int partition, string grainType, DateTimeOffset writtenBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Due, (NpgsqlConnection)connection);
        command.Parameters.Add(new NpgsqlParameter<int>("partition", partition));
        command.Parameters.Add(new NpgsqlParameter<string>("type", grainType));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("before", NpgsqlDbType.TimestampTz) { TypedValue = writtenBefore.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var due = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(reader.GetString(0));
        }

        return due;
    }

    public async Task<HashSet<int>> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<GrainWrite> writes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUniversalTime();
        var ids = writes.SelectMany(w => w.Consumed).ToArray();
        var updates = Enumerable.Range(0, writes.Count).Where(i => writes[i].State is not null && writes[i].ExpectedVersion > 0).ToList();
        var inserts = Enumerable.Range(0, writes.Count).Where(i => writes[i].State is not null && writes[i].ExpectedVersion == 0).ToList();

        // One round trip for the three statements; each returns what it touched.
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        var deleteAt = -1;
        var updateAt = -1;
        var insertAt = -1;
        if (ids.Length > 0)
        {
            var delete = new NpgsqlBatchCommand(Delete);
            delete.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids));
            deleteAt = batch.BatchCommands.Count;
            batch.BatchCommands.Add(delete);
        }

        if (updates.Count > 0)
        {
            var update = new NpgsqlBatchCommand(Update);
            update.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = at });
            update.Parameters.Add(new NpgsqlParameter<string[]>("types", updates.Select(i => writes[i].GrainType).ToArray()));
            update.Parameters.Add(new NpgsqlParameter<string[]>("keys", updates.Select(i => writes[i].GrainKey).ToArray()));
            update.Parameters.Add(new NpgsqlParameter<long[]>("versions", updates.Select(i => writes[i].ExpectedVersion).ToArray()));
            update.Parameters.Add(new NpgsqlParameter<string[]>("states", updates.Select(i => writes[i].State!).ToArray()));
            updateAt = batch.BatchCommands.Count;
            batch.BatchCommands.Add(update);
        }

        if (inserts.Count > 0)
        {
            var insert = new NpgsqlBatchCommand(Insert);
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = at });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("types", inserts.Select(i => writes[i].GrainType).ToArray()));
            insert.Parameters.Add(new NpgsqlParameter<string[]>("keys", inserts.Select(i => writes[i].GrainKey).ToArray()));
            insert.Parameters.Add(new NpgsqlParameter<int[]>("partitions", inserts.Select(i => writes[i].Partition).ToArray()));
            insert.Parameters.Add(new NpgsqlParameter<string[]>("states", inserts.Select(i => writes[i].State!).ToArray()));
            insertAt = batch.BatchCommands.Count;
            batch.BatchCommands.Add(insert);
        }

        var failed = new HashSet<int>();
        if (batch.BatchCommands.Count == 0)
        {
            return failed;
        }

        var deleted = new HashSet<long>();
        var stored = new HashSet<(string, string)>();
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var result = 0;
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (result == deleteAt)
                    {
                        deleted.Add(reader.GetInt64(0));
                    }
                    else if (result == updateAt || result == insertAt)
                    {
                        stored.Add((reader.GetString(0), reader.GetString(1)));
                    }
                }

                result++;
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
        {
            // Two writers touching the same grains in different orders: every write of this batch is retried.
            throw new GrainVersionConflictException(writes.Count, 0, e);
        }

        for (var i = 0; i < writes.Count; i++)
        {
            var w = writes[i];
            if (w.Consumed.Any(id => !deleted.Contains(id)) || (w.State is not null && !stored.Contains((w.GrainType, w.GrainKey))))
            {
                failed.Add(i);
            }
        }

        return failed;
    }
}
