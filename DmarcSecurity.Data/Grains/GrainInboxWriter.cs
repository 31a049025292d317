using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace DmarcSecurity.Data.Grains;

/// <summary>An event for one grain, as its producer hands it to <see cref="IGrainInboxWriter"/>.</summary>
/// <param name="Payload">The event as JSON; the grain type defines its shape per <paramref name="EventType"/>.</param>
public sealed record NewInboxEvent(string GrainType, string GrainKey, string EventType, string Payload);

/// <summary>Puts events in the grain inbox inside the caller's transaction, so an event exists exactly when what
/// caused it was stored. Each row gets its partition, <see cref="GrainPartitioner.PartitionOf"/> with the stored P.</summary>
public interface IGrainInboxWriter
{
    /// <summary>Enqueues <paramref name="events"/> on <paramref name="connection"/> inside <paramref name="transaction"/>,
    /// in list order (events of one grain are applied in that order).</summary>
    Task EnqueueAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<NewInboxEvent> events, CancellationToken cancellationToken);

    /// <summary>Enqueues inside the transaction <paramref name="context"/> has open (<c>Database.BeginTransactionAsync</c>);
    /// throws when it has none, because an event written outside the caller's transaction could outlive a rollback.</summary>
    Task EnqueueAsync(DbContext context, IReadOnlyList<NewInboxEvent> events, CancellationToken cancellationToken);
}

/// <summary>Binary COPY and a wake-up notification (<see cref="GrainInboxNotifications"/>) on PostgreSQL; multi-row
/// prepared INSERTs on SQLite.</summary>
internal sealed class GrainInboxWriter(GrainPartitions partitions, TimeProvider clock) : IGrainInboxWriter
{
    private const string Copy =
        "COPY grain_inbox (partition, grain_type, grain_key, event_type, payload, enqueued_at) FROM STDIN (FORMAT BINARY)";

    private const int Columns = 6;

    // 64 rows x 6 parameters stays far below SQLite's parameter limit; more rows per statement gains nothing measurable.
    private const int SqliteRowsPerStatement = 64;

    public async Task EnqueueAsync(DbContext context, IReadOnlyList<NewInboxEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var transaction = context.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Grain events are enqueued inside the caller's transaction: begin one on the DbContext first.");
        await EnqueueAsync(context.Database.GetDbConnection(), transaction, events, cancellationToken);
    }

    public async Task EnqueueAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<NewInboxEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        foreach (var e in events)
        {
            Validate(e);
        }

        var count = await partitions.GetAsync(connection, transaction, cancellationToken);
        var now = clock.GetUtcNow();
        switch (connection)
        {
            case NpgsqlConnection npgsql:
                await CopyAsync(npgsql, events, count, now, cancellationToken);
                break;
            case SqliteConnection sqlite:
                await InsertAsync(sqlite, (SqliteTransaction)transaction, events, count, now, cancellationToken);
                break;
            default:
                throw new NotSupportedException($"Connection type {connection.GetType().Name} is not supported.");
        }
    }

    private static async Task CopyAsync(NpgsqlConnection connection, IReadOnlyList<NewInboxEvent> events, int partitionCount, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var enqueuedAt = now.UtcDateTime;
        var filled = new HashSet<int>();
        await using (var copy = await connection.BeginBinaryImportAsync(Copy, cancellationToken))
        {
            // Synchronous row writes, as in the record writer: the importer buffers and only blocks on a full buffer.
            foreach (var e in events)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var partition = GrainPartitioner.PartitionOf(e.GrainType, e.GrainKey, partitionCount);
                filled.Add(partition);
                copy.StartRow();
                copy.Write(partition, NpgsqlDbType.Integer);
                copy.Write(e.GrainType, NpgsqlDbType.Text);
                copy.Write(e.GrainKey, NpgsqlDbType.Text);
                copy.Write(e.EventType, NpgsqlDbType.Text);
                copy.Write(e.Payload, NpgsqlDbType.Text);
                copy.Write(enqueuedAt, NpgsqlDbType.TimestampTz);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @partitions)", connection);
        notify.Parameters.Add(new NpgsqlParameter<string>("channel", GrainInboxNotifications.Channel));
        notify.Parameters.Add(new NpgsqlParameter<string>("partitions", GrainInboxNotifications.Payload(filled)));
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<NewInboxEvent> events, int partitionCount, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var enqueuedAt = now.ToUnixTimeMilliseconds();
        SqliteCommand? command = null;
        var rowsInCommand = 0;
        try
        {
            for (var start = 0; start < events.Count; start += SqliteRowsPerStatement)
            {
                var rows = Math.Min(SqliteRowsPerStatement, events.Count - start);
                if (rows != rowsInCommand)
                {
                    // The full-size statement is prepared once and re-bound; only the tail needs a second one.
                    if (command is not null)
                    {
                        await command.DisposeAsync();
                    }

                    command = InsertCommand(connection, transaction, rows);
                    rowsInCommand = rows;
                }

                for (var i = 0; i < rows; i++)
                {
                    var e = events[start + i];
                    var p = command!.Parameters;
                    p[i * Columns].Value = GrainPartitioner.PartitionOf(e.GrainType, e.GrainKey, partitionCount);
                    p[(i * Columns) + 1].Value = e.GrainType;
                    p[(i * Columns) + 2].Value = e.GrainKey;
                    p[(i * Columns) + 3].Value = e.EventType;
                    p[(i * Columns) + 4].Value = e.Payload;
                    p[(i * Columns) + 5].Value = enqueuedAt;
                }

                await command!.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }
        }
    }

    private static SqliteCommand InsertCommand(SqliteConnection connection, SqliteTransaction transaction, int rows)
    {
        var sql = new StringBuilder("INSERT INTO grain_inbox (partition, grain_type, grain_key, event_type, payload, enqueued_at) VALUES ");
        var command = new SqliteCommand { Connection = connection, Transaction = transaction };
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? "(" : ", (");
            for (var c = 0; c < Columns; c++)
            {
                var name = $"$p{(i * Columns) + c}";
                sql.Append(c == 0 ? name : ", " + name);
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            sql.Append(')');
        }

        command.CommandText = sql.ToString();
        command.Prepare();
        return command;
    }

    private static void Validate(NewInboxEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrEmpty(e.GrainType) || string.IsNullOrEmpty(e.GrainKey) || string.IsNullOrEmpty(e.EventType) || e.Payload is null)
        {
            throw new ArgumentException("A grain event needs a grain type, a grain key, an event type and a payload.", nameof(e));
        }
    }
}
