using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using static DmarcSecurity.Grains.Runtime.SqliteStatements;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>SQLite has one writer: a commit transaction starts with BEGIN IMMEDIATE, so it holds the write lock from
/// its first statement. Statements run in-process, so rows are written one prepared statement at a time; list
/// parameters are JSON arrays read with json_each.</summary>
internal sealed class SqliteGrainStore : IGrainStore
{
    private const string Peek =
        "SELECT id, grain_type, grain_key, event_type, payload, enqueued_at FROM grain_inbox " +
        "WHERE partition = @partition AND grain_type IN (SELECT value FROM json_each(@types)) ORDER BY id LIMIT @limit";

    private const string Load =
        "SELECT grain_key, version, state FROM grain_states " +
        "WHERE grain_type = @type AND grain_key IN (SELECT value FROM json_each(@keys))";

    private const string Due =
        "SELECT grain_key FROM grain_states WHERE partition = @partition AND grain_type = @type AND updated_at <= @before " +
        "ORDER BY updated_at LIMIT @limit";

    private const string Delete = "DELETE FROM grain_inbox WHERE id = @id";

    private const string Update =
        "UPDATE grain_states SET version = version + 1, state = @state, updated_at = @now " +
        "WHERE grain_type = @type AND grain_key = @key AND version = @version";

    private const string Insert =
        "INSERT INTO grain_states (grain_type, grain_key, partition, version, state, updated_at) " +
        "VALUES (@type, @key, @partition, 1, @state, @now) ON CONFLICT (grain_type, grain_key) DO NOTHING";

    public int MaxConcurrentCommits(int configured) => 1;

    public Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public async Task<List<InboxEvent>> PeekAsync(DbConnection connection, int partition, string[] grainTypes, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, Peek);
        command.Parameters.AddWithValue("@partition", partition);
        command.Parameters.AddWithValue("@types", JsonSerializer.Serialize(grainTypes));
        command.Parameters.AddWithValue("@limit", limit);
        var events = new List<InboxEvent>(Math.Min(limit, 4096));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new InboxEvent(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        }

        return events;
    }

    public async Task LoadAsync(DbConnection connection, string grainType, IReadOnlyList<string> keys, Dictionary<string, StoredGrain> into, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, Load);
        command.Parameters.AddWithValue("@type", grainType);
        command.Parameters.AddWithValue("@keys", JsonSerializer.Serialize(keys));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            into[reader.GetString(0)] = new StoredGrain(reader.GetInt64(1), reader.GetString(2));
        }
    }

    public async Task<HashSet<int>> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<GrainWrite> writes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        var failed = new HashSet<int>();
        await using var delete = Prepare(connection, transaction, Delete, "@id");
        await using var update = Prepare(connection, transaction, Update, "@type", "@key", "@state", "@now", "@version");
        await using var insert = Prepare(connection, transaction, Insert, "@type", "@key", "@state", "@now", "@partition");
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            var ok = true;
            foreach (var id in write.Consumed)
            {
                delete.Parameters[0].Value = id;
                ok &= await delete.ExecuteNonQueryAsync(cancellationToken) == 1;
            }

            if (write.State is not null)
            {
                var command = write.ExpectedVersion > 0 ? update : insert;
                command.Parameters[0].Value = write.GrainType;
                command.Parameters[1].Value = write.GrainKey;
                command.Parameters[2].Value = write.State;
                command.Parameters[3].Value = at;
                command.Parameters[4].Value = write.ExpectedVersion > 0 ? write.ExpectedVersion : write.Partition;
                ok &= await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            }

            if (!ok)
            {
                failed.Add(i);
            }
        }

        return failed;
    }

    public async Task<List<string>> DueAsync(DbConnection connection, int partition, string grainType, DateTimeOffset writtenBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, Due);
        command.Parameters.AddWithValue("@partition", partition);
        command.Parameters.AddWithValue("@type", grainType);
        command.Parameters.AddWithValue("@before", writtenBefore.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@limit", limit);
        var due = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(reader.GetString(0));
        }

        return due;
    }
}
