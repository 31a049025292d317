using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using static DmarcSecurity.Grains.Runtime.SqliteStatements;

namespace DmarcSecurity.Grains.Outputs;

/// <summary>One prepared statement per table, re-bound per row (SQLite runs in-process: a round trip costs nothing).
/// Values are stored as the EF model stores them: timestamps as Unix milliseconds, GUIDs as upper-case text.</summary>
internal sealed class SqliteOutputStore : IOutputStore
{
    private const string Open =
        "SELECT id, fingerprint, occurrences FROM alerts WHERE status <> 'Resolved' AND fingerprint IN (SELECT value FROM json_each(@fingerprints))";

    private const string InsertDecision =
        "INSERT INTO decisions (id, ip, scope, cidr, action, severity, score, breakdown, ttl_seconds, issued_at, expires_at, origin, reason, " +
        "simulated, suppressed_by_allowlist, allowlist_reason, repeat_offences, supersedes, review_status) " +
        "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16, @p17, @p18)";

    private const string InsertOutbox =
        "INSERT INTO outbox (channel, message_type, payload, created_at, attempts) VALUES (@p0, @p1, @p2, @p3, 0)";

    private const string UpdateAlert =
        "UPDATE alerts SET occurrences = @p1, last_seen_at = @p2 WHERE id = @p0";

    private const string InsertAlert =
        "INSERT INTO alerts (fingerprint, rule_key, severity, grain_type, grain_key, title, detail, discriminators, status, occurrences, first_seen_at, last_seen_at) " +
        "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, 'Open', @p8, @p9, @p10) RETURNING id";

    private const string InsertHistory =
        "INSERT INTO alert_history (alert_id, at, action) VALUES (@p0, @p1, @p2)";

    public async Task<Dictionary<string, OpenAlert>> ReadOpenAlertsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<string> fingerprints, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, Open);
        command.Parameters.AddWithValue("@fingerprints", JsonSerializer.Serialize(fingerprints));
        return await OpenAlert.ReadAsync(command, cancellationToken);
    }

    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, OutputRows rows, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, InsertDecision, rows.Decisions, d =>
        [
            d.Id.ToString().ToUpperInvariant(), d.Ip, d.Scope, d.Cidr, d.Action, d.Severity, d.Score, d.Breakdown, d.TtlSeconds,
            d.IssuedAt.ToUnixTimeMilliseconds(), d.ExpiresAt.ToUnixTimeMilliseconds(), d.Origin, d.Reason, d.Simulated,
            d.SuppressedByAllowlist, d.AllowlistReason, d.RepeatOffences, d.Supersedes?.ToString().ToUpperInvariant(), d.ReviewStatus.ToString(),
        ], cancellationToken);
        await ExecuteAsync(connection, transaction, InsertOutbox, rows.Outbox, o =>
            [o.Channel, o.MessageType, o.Payload, o.CreatedAt.ToUnixTimeMilliseconds()], cancellationToken);
        await ExecuteAsync(connection, transaction, UpdateAlert, [.. rows.Alerts.Where(a => a.Id != 0)], a =>
            [a.Id, a.Occurrences, a.LastSeenAt.ToUnixTimeMilliseconds()], cancellationToken);

        var created = rows.Alerts.Where(a => a.Id == 0).ToList();
        if (created.Count > 0)
        {
            await using var insert = Prepare(connection, transaction, InsertAlert, Names(11));
            foreach (var a in created)
            {
                Bind(insert, [a.Fingerprint, a.RuleKey, a.Severity, a.GrainType, a.GrainKey, a.Title, a.Detail, a.Discriminators,
                    a.Occurrences, a.FirstSeenAt.ToUnixTimeMilliseconds(), a.LastSeenAt.ToUnixTimeMilliseconds()]);
                a.Id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            }
        }

        await ExecuteAsync(connection, transaction, InsertHistory, rows.History, h =>
            [h.Alert.Id, h.Entry.At.ToUnixTimeMilliseconds(), h.Entry.Action], cancellationToken);
    }

    private static async Task ExecuteAsync<T>(
        DbConnection connection, DbTransaction transaction, string sql, List<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var command = Prepare(connection, transaction, sql, Names(values(rows[0]).Length));
        foreach (var row in rows)
        {
            Bind(command, values(row));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static string[] Names(int count) => [.. Enumerable.Range(0, count).Select(i => $"@p{i}")];

    private static void Bind(SqliteCommand command, object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}
