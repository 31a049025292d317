using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using static DmarcSecurity.Grains.Runtime.SqliteStatements;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>SQLite has one writer: a consume transaction starts with BEGIN IMMEDIATE, so it holds the write lock from
/// its first read and nothing can interleave with it. Statements run in-process, so rows are written one prepared
/// statement at a time; list parameters are JSON arrays read with json_each.</summary>
internal sealed class SqliteGrainStorage : IGrainStorage
{
    private const string Take =
        "DELETE FROM grain_inbox WHERE id IN (" +
        "SELECT id FROM grain_inbox WHERE partition = @partition AND grain_type IN (SELECT value FROM json_each(@types)) " +
        "ORDER BY id LIMIT @limit) " +
        "RETURNING id, grain_type, grain_key, event_type, payload, enqueued_at";

    private const string Load =
        "SELECT grain_key, version, state FROM grain_states " +
        "WHERE grain_type = @type AND grain_key IN (SELECT value FROM json_each(@keys))";

    private const string Due =
        "SELECT grain_key, version, state FROM grain_states WHERE partition = @partition AND grain_type = @type AND updated_at <= @before " +
        "ORDER BY updated_at LIMIT @limit";

    private const string Update =
        "UPDATE grain_states SET version = version + 1, state = @state, updated_at = @now " +
        "WHERE grain_type = @type AND grain_key = @key AND version = @version";

    private const string Insert =
        "INSERT INTO grain_states (grain_type, grain_key, partition, version, state, updated_at) " +
        "VALUES (@type, @key, @partition, 1, @state, @now) ON CONFLICT (grain_type, grain_key) DO NOTHING";

    private const string Work =
        "SELECT o.value FROM json_each(@partitions) AS o WHERE EXISTS (SELECT 1 FROM grain_inbox i " +
        "WHERE i.partition = o.value AND i.grain_type IN (SELECT value FROM json_each(@types)))";

    public int MaxConcurrentBatches(int configured) => 1;

    public Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public async Task<List<InboxEvent>> TakeAsync(DbConnection connection, DbTransaction transaction, int partition, string[] grainTypes, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, Take);
        command.Parameters.AddWithValue("@partition", partition);
        command.Parameters.AddWithValue("@types", JsonSerializer.Serialize(grainTypes));
        command.Parameters.AddWithValue("@limit", limit);
        var events = new List<InboxEvent>(Math.Min(limit, 4096));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                events.Add(new InboxEvent(
                    reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
            }
        }

        events.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return events;
    }

    public async Task LoadAsync(DbConnection connection, DbTransaction transaction, string grainType, IReadOnlyList<string> keys, Dictionary<string, StoredGrain> into, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, Load);
        command.Parameters.AddWithValue("@type", grainType);
        command.Parameters.AddWithValue("@keys", JsonSerializer.Serialize(keys));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            into[reader.GetString(0)] = new StoredGrain(reader.GetInt64(1), reader.GetString(2));
        }
    }

    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, int partition, IReadOnlyList<GrainWrite> writes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        SqliteCommand? update = null;
        SqliteCommand? insert = null;
        var written = 0;
        try
        {
            foreach (var write in writes)
            {
                SqliteCommand command;
                if (write.ExpectedVersion > 0)
                {
                    command = update ??= Prepare(connection, transaction, Update, "@type", "@key", "@state", "@now", "@version");
                    command.Parameters[4].Value = write.ExpectedVersion;
                }
                else
                {
                    command = insert ??= Prepare(connection, transaction, Insert, "@type", "@key", "@state", "@now", "@partition");
                    command.Parameters[4].Value = partition;
                }

                command.Parameters[0].Value = write.GrainType;
                command.Parameters[1].Value = write.GrainKey;
                command.Parameters[2].Value = write.State;
                command.Parameters[3].Value = at;
                written += await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            if (update is not null)
            {
                await update.DisposeAsync();
            }

            if (insert is not null)
            {
                await insert.DisposeAsync();
            }
        }

        if (written != writes.Count)
        {
            throw new GrainVersionConflictException(writes.Count, written);
        }
    }

    public async Task<List<(string Key, StoredGrain Grain)>> DueAsync(
        DbConnection connection, int partition, string grainType, DateTimeOffset writtenBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, Due);
        command.Parameters.AddWithValue("@partition", partition);
        command.Parameters.AddWithValue("@type", grainType);
        command.Parameters.AddWithValue("@before", writtenBefore.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@limit", limit);
        var due = new List<(string, StoredGrain)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add((reader.GetString(0), new StoredGrain(reader.GetInt64(1), reader.GetString(2))));
        }

        return due;
    }

    public async Task<List<int>> PartitionsWithWorkAsync(DbConnection connection, int[] partitions, string[] grainTypes, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, Work);
        command.Parameters.AddWithValue("@partitions", JsonSerializer.Serialize(partitions));
        command.Parameters.AddWithValue("@types", JsonSerializer.Serialize(grainTypes));
        var result = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetInt32(0));
        }

        return result;
    }
}
