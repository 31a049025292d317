using System.Data.Common;
using System.Text.Json;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Runtime;

namespace DmarcSecurity.Grains.Outputs;

/// <summary>
/// Stores what the grains produced — decisions, alerts (a repeat of an unresolved fingerprint raises its occurrence
/// count), outbox messages — in the transaction that consumed the events, so they exist exactly when the state change
/// that produced them does. A batch's outputs are folded into rows in memory and written set-wise by the store.
/// </summary>
internal sealed class DatabaseOutputWriter(IOutputStore store, TimeProvider time) : IGrainOutputWriter
{
    public async Task WriteAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<(string GrainType, string GrainKey, GrainOutput Output)> outputs,
        CancellationToken cancellationToken)
    {
        if (outputs.Count == 0)
        {
            return;
        }

        var rows = new OutputRows();
        var alerts = new List<AlertOutput>();
        foreach (var (_, _, output) in outputs)
        {
            switch (output)
            {
                case { Kind: GrainOutputKinds.Decision, Value: DecisionOutput decision }:
                    rows.Decisions.Add(ToEntity(decision));
                    break;
                case { Kind: GrainOutputKinds.Alert, Value: AlertOutput alert }:
                    alerts.Add(alert);
                    break;
                case { Kind: GrainOutputKinds.Outbox, Value: OutboxOutput message }:
                    rows.Outbox.Add(new OutboxMessageEntity
                    {
                        Channel = message.Channel.ToString(),
                        MessageType = message.MessageType,
                        // The message leaves the system, so it is stored as the JSON a dispatcher will send.
                        Payload = JsonSerializer.Serialize(message, GrainJsonContext.Default.OutboxOutput),
                        CreatedAt = time.GetUtcNow(),
                    });
                    break;
                default:
                    throw new NotSupportedException($"Unknown grain output '{output.Kind}' ({output.Value.GetType().Name}).");
            }
        }

        if (alerts.Count > 0)
        {
            var open = await store.ReadOpenAlertsAsync(connection, transaction, [.. alerts.Select(a => a.Fingerprint).Distinct()], cancellationToken);
            Fold(alerts, open, rows);
        }

        await store.WriteAsync(connection, transaction, rows, cancellationToken);
    }

    /// <summary>A repeat of an unresolved fingerprint — stored, or opened earlier in the same batch — raises that
    /// alert's occurrence count; anything else opens an alert. Every alert output leaves a history entry.</summary>
    private static void Fold(List<AlertOutput> alerts, Dictionary<string, OpenAlert> stored, OutputRows rows)
    {
        var touched = new Dictionary<string, AlertEntity>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            if (!touched.TryGetValue(alert.Fingerprint, out var entity))
            {
                entity = ToEntity(alert);
                touched[alert.Fingerprint] = entity;
                rows.Alerts.Add(entity);
                if (!stored.TryGetValue(alert.Fingerprint, out var open))
                {
                    rows.History.Add((entity, new AlertHistoryEntity { At = alert.OccurredAt, Action = "created" }));
                    continue;
                }

                entity.Id = open.Id;
                entity.Occurrences = open.Occurrences;
            }

            entity.Occurrences = Math.Max(entity.Occurrences + 1, alert.Occurrences);
            entity.LastSeenAt = alert.OccurredAt;
            rows.History.Add((entity, new AlertHistoryEntity { At = alert.OccurredAt, Action = "repeated" }));
        }
    }

    private static AlertEntity ToEntity(AlertOutput alert) => new()
    {
        Fingerprint = alert.Fingerprint,
        RuleKey = alert.RuleKey,
        Severity = alert.Severity.ToString(),
        GrainType = alert.GrainType,
        GrainKey = alert.GrainKey,
        Title = alert.Title,
        Detail = alert.Detail,
        Discriminators = JsonSerializer.Serialize(alert.Discriminators, GrainJsonContext.Default.IReadOnlyDictionaryStringString),
        Status = AlertStatus.Open,
        Occurrences = Math.Max(1, alert.Occurrences),
        FirstSeenAt = alert.OccurredAt,
        LastSeenAt = alert.OccurredAt,
    };

    private static DecisionEntity ToEntity(DecisionOutput d) => new()
    {
        Id = d.DecisionId,
        Ip = d.Ip,
        Scope = d.Scope.ToString(),
        Cidr = d.Cidr,
        Action = d.Action.ToString(),
        Severity = d.Severity.ToString(),
        Score = d.Score,
        Breakdown = JsonSerializer.Serialize(d.Breakdown, GrainJsonContext.Default.ScoreBreakdown),
        TtlSeconds = (long)d.Ttl.TotalSeconds,
        IssuedAt = d.IssuedAt,
        ExpiresAt = d.ExpiresAt,
        Origin = d.Origin,
        Reason = d.Reason,
        Simulated = d.Simulated,
        SuppressedByAllowlist = d.SuppressedByAllowlist,
        AllowlistReason = d.AllowlistReason,
        RepeatOffences = d.RepeatOffences,
        Supersedes = d.Supersedes,
        ReviewStatus = d.Action == DecisionAction.Review && !d.SuppressedByAllowlist ? ReviewStatus.Pending : ReviewStatus.NotRequired,
    };
}
