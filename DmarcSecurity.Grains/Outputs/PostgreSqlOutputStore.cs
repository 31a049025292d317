using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace DmarcSecurity.Grains.Outputs;

/// <summary>Each table is written by one statement over arrays (unnest), all in one round trip. New alerts and the
/// history that refers to them go in one statement: the history takes the new ids from the insert's RETURNING.</summary>
internal sealed class PostgreSqlOutputStore : IOutputStore
{
    // One probe of the open-fingerprint index per fingerprint, whatever the statistics say ("fingerprint = ANY(...)"
    // on statistics of a small table is planned as a scan of every alert).
    internal const string Open =
        "SELECT a.id, a.fingerprint, a.occurrences FROM unnest(@fingerprints) AS f(fingerprint) CROSS JOIN LATERAL (" +
        "SELECT id, fingerprint, occurrences FROM alerts WHERE fingerprint = f.fingerprint AND status <> 'Resolved' LIMIT 1) AS a";

    private const string InsertDecisions =
        "INSERT INTO decisions (id, ip, scope, cidr, action, severity, score, breakdown, ttl_seconds, issued_at, expires_at, origin, reason, " +
        "simulated, suppressed_by_allowlist, allowlist_reason, repeat_offences, supersedes, review_status) " +
        "SELECT * FROM unnest(@id, @ip, @scope, @cidr, @action, @severity, @score, @breakdown, @ttl, @issued, @expires, @origin, @reason, " +
        "@simulated, @suppressed, @allowlistReason, @repeatOffences, @supersedes, @reviewStatus)";

    // Ids follow the order the messages were made in: the dispatcher sends oldest first.
    private const string InsertOutbox =
        "INSERT INTO outbox (channel, message_type, payload, created_at, attempts) " +
        "SELECT u.channel, u.message_type, u.payload, u.created_at, 0 " +
        "FROM unnest(@channels, @types, @payloads, @created) WITH ORDINALITY AS u(channel, message_type, payload, created_at, n) ORDER BY u.n";

    private const string UpdateAlerts =
        "UPDATE alerts AS a SET occurrences = u.occurrences, last_seen_at = u.last_seen_at " +
        "FROM unnest(@ids, @occurrences, @lastSeen) AS u(id, occurrences, last_seen_at) WHERE a.id = u.id";

    private const string InsertAlertsAndHistory =
        "WITH created AS (" +
        "INSERT INTO alerts (fingerprint, rule_key, severity, grain_type, grain_key, title, detail, discriminators, status, occurrences, first_seen_at, last_seen_at) " +
        "SELECT u.fingerprint, u.rule_key, u.severity, u.grain_type, u.grain_key, u.title, u.detail, u.discriminators, 'Open', u.occurrences, u.first_seen_at, u.last_seen_at " +
        "FROM unnest(@fingerprints, @rules, @severities, @grainTypes, @grainKeys, @titles, @details, @discriminators, @occurrences, @firstSeen, @lastSeen) " +
        "WITH ORDINALITY AS u(fingerprint, rule_key, severity, grain_type, grain_key, title, detail, discriminators, occurrences, first_seen_at, last_seen_at, n) " +
        "ORDER BY u.n RETURNING id, fingerprint) " +
        "INSERT INTO alert_history (alert_id, at, action) " +
        "SELECT COALESCE(h.alert_id, c.id), h.at, h.action " +
        "FROM unnest(@historyIds, @historyFingerprints, @historyAt, @historyActions) WITH ORDINALITY AS h(alert_id, fingerprint, at, action, n) " +
        "LEFT JOIN created AS c ON h.alert_id IS NULL AND c.fingerprint = h.fingerprint ORDER BY h.n";

    public async Task<Dictionary<string, OpenAlert>> ReadOpenAlertsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<string> fingerprints, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Open, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]>("fingerprints", [.. fingerprints]));
        return await OpenAlert.ReadAsync(command, cancellationToken);
    }

    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, OutputRows rows, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        if (rows.Decisions.Count > 0)
        {
            var d = rows.Decisions;
            batch.BatchCommands.Add(Command(InsertDecisions,
                Values("id", d, x => x.Id),
                Values("ip", d, x => x.Ip),
                Values("scope", d, x => x.Scope),
                Values("cidr", d, x => x.Cidr),
                Values("action", d, x => x.Action),
                Values("severity", d, x => x.Severity),
                Values("score", d, x => x.Score),
                Values("breakdown", d, x => x.Breakdown),
                Values("ttl", d, x => x.TtlSeconds),
                Timestamps("issued", d, x => x.IssuedAt),
                Timestamps("expires", d, x => x.ExpiresAt),
                Values("origin", d, x => x.Origin),
                Values("reason", d, x => x.Reason),
                Values("simulated", d, x => x.Simulated),
                Values("suppressed", d, x => x.SuppressedByAllowlist),
                Values("allowlistReason", d, x => x.AllowlistReason),
                Values("repeatOffences", d, x => x.RepeatOffences),
                Values("supersedes", d, x => x.Supersedes),
                Values("reviewStatus", d, x => x.ReviewStatus.ToString())));
        }

        if (rows.Outbox.Count > 0)
        {
            var o = rows.Outbox;
            batch.BatchCommands.Add(Command(InsertOutbox,
                Values("channels", o, x => x.Channel),
                Values("types", o, x => x.MessageType),
                Values("payloads", o, x => x.Payload),
                Timestamps("created", o, x => x.CreatedAt)));
        }

        var repeated = rows.Alerts.Where(a => a.Id != 0).ToList();
        if (repeated.Count > 0)
        {
            batch.BatchCommands.Add(Command(UpdateAlerts,
                Values("ids", repeated, x => x.Id),
                Values("occurrences", repeated, x => x.Occurrences),
                Timestamps("lastSeen", repeated, x => x.LastSeenAt)));
        }

        if (rows.History.Count > 0)
        {
            var created = rows.Alerts.Where(a => a.Id == 0).ToList();
            var h = rows.History;
            batch.BatchCommands.Add(Command(InsertAlertsAndHistory,
                Values("fingerprints", created, x => x.Fingerprint),
                Values("rules", created, x => x.RuleKey),
                Values("severities", created, x => x.Severity),
                Values("grainTypes", created, x => x.GrainType),
                Values("grainKeys", created, x => x.GrainKey),
                Values("titles", created, x => x.Title),
                Values("details", created, x => x.Detail),
                Values("discriminators", created, x => x.Discriminators),
                Values("occurrences", created, x => x.Occurrences),
                Timestamps("firstSeen", created, x => x.FirstSeenAt),
                Timestamps("lastSeen", created, x => x.LastSeenAt),
                Values("historyIds", h, x => x.Alert.Id == 0 ? null : (long?)x.Alert.Id),
                Values("historyFingerprints", h, x => x.Alert.Fingerprint),
                Timestamps("historyAt", h, x => x.Entry.At),
                Values("historyActions", h, x => x.Entry.Action)));
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<TValue[]> Values<TRow, TValue>(string name, List<TRow> rows, Func<TRow, TValue> value) =>
        new(name, [.. rows.Select(value)]);

    private static NpgsqlParameter<DateTimeOffset[]> Timestamps<TRow>(string name, List<TRow> rows, Func<TRow, DateTimeOffset> value) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. rows.Select(r => value(r).ToUniversalTime())] };
}
