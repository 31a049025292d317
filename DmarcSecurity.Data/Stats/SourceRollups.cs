using System.Globalization;
using DmarcSecurity.Data.Database;
using System.Text;
using Microsoft.EntityFrameworkCore.Storage;

namespace DmarcSecurity.Data.Stats;

/// <summary>Rolls the records of stored reports up into source_days and source_months (schema 0025): ingestion queues
/// each new report in rollup_queue in its own transaction, and <see cref="RollUpAsync"/> adds queued reports' records to
/// the days their window covers, in proportion to time, and to those days' months, then dequeues them, all in one
/// transaction. One roll-up runs at a time (an advisory lock on PostgreSQL, the write lock on SQLite), so a report is
/// added exactly once.</summary>
public interface ISourceRollups
{
    /// <summary>Rolls up one batch of queued reports; the number rolled up, 0 when none was waiting (or another
    /// process is rolling up).</summary>
    Task<int> RollUpAsync(CancellationToken cancellationToken);

    /// <summary>Packs a few of the days and months the roll-up changed (source_packs, schema 0027; PostgreSQL only, where
    /// the views over every domain read them); the number packed, 0 when none was waiting (or another process holds
    /// the roll-up's lock).</summary>
    Task<int> PackAsync(CancellationToken cancellationToken);

    /// <summary>True when this process has stored a report since the last call; false after <paramref name="timeout"/>
    /// without one.</summary>
    Task<bool> WaitForReportsAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

internal sealed class SourceRollups(IDbContextFactory<DmarcDbContext> contextFactory, ISqlDialect dialect) : ISourceRollups
{
    /// <summary>Rows of (report, day) per batch: a report covers at most 367 UTC days, so a batch stays far below
    /// SQLite's limit on parameters.</summary>
    private const int MaxDaysPerBatch = 1_000;
    private const int MaxReportsPerBatch = 200;

    /// <summary>Days and months packed per transaction: a month of many sources takes a fraction of a second, and the
    /// roll-up waits for the lock meanwhile.</summary>
    private const int MaxBucketsPerPack = 4;

    /// <summary>Any fixed key: the roll-up's advisory lock on PostgreSQL.</summary>
    private const long LockKey = 0x526f6c6c7570;

    private readonly SemaphoreSlim _stored = new(0, 1);

    /// <summary>Wakes the roll-up: called by ingestion after it committed new reports.</summary>
    public void ReportsStored()
    {
        try
        {
            _stored.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public Task<bool> WaitForReportsAsync(TimeSpan timeout, CancellationToken cancellationToken) => _stored.WaitAsync(timeout, cancellationToken);

    public static DateTimeOffset MonthOf(DateTimeOffset at) => new(at.Year, at.Month, 1, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset DayOf(DateTimeOffset at) => new(at.Year, at.Month, at.Day, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Queues newly stored reports for the roll-up, in the transaction that stores them.</summary>
    public static async Task QueueAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<long> reportIds, CancellationToken cancellationToken)
    {
        foreach (var chunk in reportIds.Chunk(MaxReportsPerBatch))
        {
            var ids = chunk.Select((id, i) => ($"@q{i}", (object)id)).ToList();
            await ExecuteAsync(connection, transaction,
                $"INSERT INTO rollup_queue (report_id) VALUES {string.Join(", ", ids.Select(i => $"({i.Item1})"))}", ids, cancellationToken);
        }
    }

    public async Task<int> RollUpAsync(CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await LockedAsync(context, cancellationToken);
        if (transaction is null)
        {
            return 0;
        }

        var connection = context.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();

        var shares = new List<(long ReportId, DateTimeOffset Day, double Share)>();
        var reports = new List<long>();
        await using (var command = connection.CreateCommand(dbTransaction,
                         "SELECT q.report_id, p.begin_at, p.end_at FROM rollup_queue q JOIN reports p ON p.id = q.report_id " +
                         $"ORDER BY q.report_id LIMIT {MaxReportsPerBatch}"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (shares.Count < MaxDaysPerBatch && await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                reports.Add(id);
                shares.AddRange(DaySpreader.Days(dialect.ReadTimestamp(reader, 1).ToUniversalTime(), dialect.ReadTimestamp(reader, 2).ToUniversalTime()).Select(d => (id, d.Day, d.Share)));
            }
        }

        if (reports.Count == 0)
        {
            return 0;
        }

        var parameters = new List<(string Name, object Value)>();
        var rows = new StringBuilder();
        for (var i = 0; i < shares.Count; i++)
        {
            var (reportId, day, share) = shares[i];
            rows.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(@r{i}, @d{i}, @m{i}, @s{i})");
            parameters.Add(($"@r{i}", reportId));
            parameters.Add(($"@d{i}", dialect.TimestampValue(day)));
            parameters.Add(($"@m{i}", dialect.TimestampValue(MonthOf(day))));
            parameters.Add(($"@s{i}", share));
        }

        foreach (var (table, column) in new[] { ("source_days", "day"), ("source_months", "month") })
        {
            const string Weighted = "r.count * s.share";
            // "WHERE 1 = 1": SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT, or it reads the upsert as part of the join.
            await ExecuteAsync(connection, dbTransaction,
                $"WITH s (report_id, day, month, share) AS (VALUES {rows}) " +
                $"INSERT INTO {table} ({column}, domain, source_ip, messages, failing, forwarded) " +
                $"SELECT s.{column}, lower(p.policy_domain), r.source_ip, SUM({Weighted}), " +
                $"SUM(CASE WHEN {ReportSelection.RecordFails} THEN {Weighted} ELSE 0 END), " +
                $"SUM(CASE WHEN {ReportSelection.RecordForwarded} THEN {Weighted} ELSE 0 END) " +
                "FROM s JOIN reports p ON p.id = s.report_id JOIN records r ON r.report_id = s.report_id WHERE 1 = 1 " +
                $"GROUP BY s.{column}, lower(p.policy_domain), r.source_ip " +
                $"ON CONFLICT ({column}, domain, source_ip) DO UPDATE SET messages = {table}.messages + excluded.messages, " +
                $"failing = {table}.failing + excluded.failing, forwarded = {table}.forwarded + excluded.forwarded",
                parameters, cancellationToken);
        }

        if (dialect.Provider == DatabaseProvider.PostgreSql)
        {
            // The packs of the days and months changed are out of date until packed again.
            var buckets = shares.Select(s => (Period: "day", Bucket: s.Day)).Concat(shares.Select(s => (Period: "month", Bucket: MonthOf(s.Day))))
                .Distinct().Select((b, i) => (b.Period, Name: $"@b{i}", Value: (object)dialect.TimestampValue(b.Bucket))).ToList();
            await ExecuteAsync(connection, dbTransaction,
                $"INSERT INTO source_packs (period, bucket) VALUES {string.Join(", ", buckets.Select(b => $"('{b.Period}', {b.Name})"))} " +
                "ON CONFLICT (period, bucket) DO UPDATE SET data = NULL",
                buckets.Select(b => (b.Name, b.Value)), cancellationToken);
        }

        var ids = reports.Select((id, i) => ($"@q{i}", (object)id)).ToList();
        await ExecuteAsync(connection, dbTransaction,
            $"DELETE FROM rollup_queue WHERE report_id IN ({string.Join(", ", ids.Select(i => i.Item1))})", ids, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return reports.Count;
    }

    public async Task<int> PackAsync(CancellationToken cancellationToken)
    {
        if (dialect.Provider != DatabaseProvider.PostgreSql)
        {
            return 0;
        }

        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await LockedAsync(context, cancellationToken);
        if (transaction is null)
        {
            return 0;
        }

        var connection = context.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();
        var buckets = new List<(string Period, DateTimeOffset Bucket)>();
        await using (var command = connection.CreateCommand(dbTransaction,
                         $"SELECT period, bucket FROM source_packs WHERE data IS NULL ORDER BY period, bucket LIMIT {MaxBucketsPerPack}"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                buckets.Add((reader.GetString(0), dialect.ReadTimestamp(reader, 1)));
            }
        }

        foreach (var (period, bucket) in buckets)
        {
            var entries = new List<PackEntry>();
            await using (var command = connection.CreateCommand(dbTransaction,
                             $"SELECT domain, source_ip, messages, failing, forwarded FROM source_{period}s WHERE {period} = @bucket"))
            {
                command.AddParameter("@bucket", dialect.TimestampValue(bucket));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    entries.Add(new PackEntry(reader.GetString(0), SourceAddress.Of(reader.GetValue(1)), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4)));
                }
            }

            await ExecuteAsync(connection, dbTransaction, "UPDATE source_packs SET data = @data WHERE period = @period AND bucket = @bucket",
                [("@data", SourcePack.Encode(entries)), ("@period", period), ("@bucket", dialect.TimestampValue(bucket))], cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return buckets.Count;
    }

    /// <summary>A transaction holding the roll-up's lock (an advisory lock on PostgreSQL; on SQLite the transaction
    /// begins IMMEDIATE, holding the database's write lock), or null when another process holds it.</summary>
    private async Task<IDbContextTransaction?> LockedAsync(DmarcDbContext context, CancellationToken cancellationToken)
    {
        await context.Database.OpenConnectionAsync(cancellationToken);
        var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        if (dialect.Provider == DatabaseProvider.PostgreSql
            && !(bool)(await ScalarAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(), $"SELECT pg_try_advisory_xact_lock({LockKey})", cancellationToken))!)
        {
            await transaction.DisposeAsync();
            return null;
        }

        return transaction;
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(transaction, sql);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(
        DbConnection connection, DbTransaction transaction, string sql, IEnumerable<(string Name, object Value)> parameters, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(transaction, sql);
        foreach (var (name, value) in parameters)
        {
            command.AddParameter(name, value);
        }

        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
