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
        foreach (var (_, _, output) in outputs)
        {
            switch (output.Kind)
            {
                case GrainOutputKinds.Decision:
                    db.Decisions.Add(ToEntity(JsonSerializer.Deserialize(output.Payload, json.DecisionOutput)!));
                    break;
                case GrainOutputKinds.Alert:
                    await WriteAlertAsync(db, JsonSerializer.Deserialize(output.Payload, json.AlertOutput)!, cancellationToken);
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

        await db.SaveChangesAsync(cancellationToken);
    }

    private static async Task WriteAlertAsync(DmarcDbContext db, AlertOutput alert, CancellationToken cancellationToken)
    {
        var open = await db.Alerts.AsTracking()
            .SingleOrDefaultAsync(a => a.Fingerprint == alert.Fingerprint && a.Status != AlertStatus.Resolved, cancellationToken);
        if (open is not null)
        {
            open.Occurrences = Math.Max(open.Occurrences + 1, alert.Occurrences);
            open.LastSeenAt = alert.OccurredAt;
            await db.SaveChangesAsync(cancellationToken);
            db.AlertHistory.Add(new AlertHistoryEntity { AlertId = open.Id, At = alert.OccurredAt, Action = "repeated" });
            return;
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
        await db.SaveChangesAsync(cancellationToken);
        db.AlertHistory.Add(new AlertHistoryEntity { AlertId = created.Id, At = alert.OccurredAt, Action = "created" });
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
