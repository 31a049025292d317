using System.Data.Common;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Decisions;

namespace DmarcSecurity.Grains.Outputs;

/// <summary>An unresolved stored alert: what a repeat of its fingerprint needs.</summary>
internal readonly record struct OpenAlert(long Id, int Occurrences)
{
    /// <summary>Runs a query that returns (id, fingerprint, occurrences) rows, and keys them by fingerprint.</summary>
    public static async Task<Dictionary<string, OpenAlert>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var open = new Dictionary<string, OpenAlert>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            open[reader.GetString(1)] = new OpenAlert(reader.GetInt64(0), reader.GetInt32(2));
        }

        return open;
    }
}

/// <summary>The rows one batch's outputs come to, in the order they were made.</summary>
internal sealed class OutputRows
{
    public List<DecisionEntity> Decisions { get; } = [];

    public List<OutboxMessageEntity> Outbox { get; } = [];

    /// <summary>New alerts (<see cref="AlertEntity.Id"/> 0) and unresolved stored ones the batch repeated, of which
    /// only <see cref="AlertEntity.Occurrences"/> and <see cref="AlertEntity.LastSeenAt"/> are written. One per fingerprint.</summary>
    public List<AlertEntity> Alerts { get; } = [];

    /// <summary>Each entry belongs to its alert, new or stored; its <see cref="AlertHistoryEntity.AlertId"/> is the
    /// alert's, once stored.</summary>
    public List<(AlertEntity Alert, AlertHistoryEntity Entry)> History { get; } = [];
}

/// <summary>What differs between PostgreSQL and SQLite in storing grain outputs. Both run in the caller's transaction.</summary>
internal interface IOutputStore
{
    /// <summary>The unresolved alerts among <paramref name="fingerprints"/>, by fingerprint (at most one each).</summary>
    Task<Dictionary<string, OpenAlert>> ReadOpenAlertsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> fingerprints, CancellationToken cancellationToken);

    Task WriteAsync(DbConnection connection, DbTransaction transaction, OutputRows rows, CancellationToken cancellationToken);
}
