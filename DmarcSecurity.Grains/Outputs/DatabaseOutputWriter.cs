using System.Data.Common;
using System.Text.Json;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Runtime;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Grains.Outputs;

/// <summary>
/// Stores what the grains produced — decisions, alerts (a repeat of an unresolved fingerprint raises its occurrence
/// count), outbox messages — in the transaction that consumed the events, so they exist exactly when the state change
/// that produced them does.
/// </summary>
internal sealed class DatabaseOutputWriter(TimeProvider time) : IGrainOutputWriter
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

        await using var db = DmarcDbContext.ForTransaction(connection, transaction);
        var json = GrainJsonContext.Default;
        var alerts = new List<AlertOutput>();
        foreach (var (_, _, output) in outputs)
        {
            switch (output.Kind)
            {
                case GrainOutputKinds.Decision:
                    db.Decisions.Add(ToEntity(JsonSerializer.Deserialize(output.Payload, json.DecisionOutput)!));
                    break;
                case GrainOutputKinds.Alert:
                    alerts.Add(JsonSerializer.Deserialize(output.Payload, json.AlertOutput)!);
                    break;
                case GrainOutputKinds.Outbox:
                    var message = JsonSerializer.Deserialize(output.Payload, json.OutboxOutput)!;
                    db.Outbox.Add(new OutboxMessageEntity
                    {
                        Channel = message.Channel.ToString(),
                        MessageType = message.MessageType,
                        Payload = output.Payload,
                        CreatedAt = time.GetUtcNow(),
                    });
                    break;
                default:
                    throw new NotSupportedException($"Unknown grain output kind '{output.Kind}'.");
            }
        }

        var history = await StageAlertsAsync(db, alerts, cancellationToken);
        // One save inserts the decisions, outbox messages and new alerts and updates repeated ones (EF batches the
        // statements); the history rows need the new alerts' ids, so they follow in a second.
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (alert, entry) in history)
        {
            entry.AlertId = alert.Id;
            db.AlertHistory.Add(entry);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>A repeat of an unresolved fingerprint raises that alert's occurrence count; anything else opens an alert.
    /// The unresolved alerts of the whole batch are read in one query.</summary>
    private static async Task<List<(AlertEntity Alert, AlertHistoryEntity Entry)>> StageAlertsAsync(
        DmarcDbContext db, List<AlertOutput> alerts, CancellationToken cancellationToken)
    {
        var history = new List<(AlertEntity, AlertHistoryEntity)>(alerts.Count);
        if (alerts.Count == 0)
        {
            return history;
        }

        var fingerprints = alerts.Select(a => a.Fingerprint).Distinct().ToList();
        var open = await db.Alerts.AsTracking()
            .Where(a => fingerprints.Contains(a.Fingerprint) && a.Status != AlertStatus.Resolved)
            .ToDictionaryAsync(a => a.Fingerprint, cancellationToken);
        foreach (var alert in alerts)
        {
            if (open.TryGetValue(alert.Fingerprint, out var existing))
            {
                existing.Occurrences = Math.Max(existing.Occurrences + 1, alert.Occurrences);
                existing.LastSeenAt = alert.OccurredAt;
                history.Add((existing, new AlertHistoryEntity { At = alert.OccurredAt, Action = "repeated" }));
                continue;
            }

            var created = new AlertEntity
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
            db.Alerts.Add(created);
            open[alert.Fingerprint] = created;
            history.Add((created, new AlertHistoryEntity { At = alert.OccurredAt, Action = "created" }));
        }

        return history;
    }

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
