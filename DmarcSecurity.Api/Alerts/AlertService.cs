using System.Globalization;
using System.Text.Json;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace DmarcSecurity.Api.Alerts;

/// <summary>Reads alerts with their history and moves them through their lifecycle. Each step changes the status
/// only if nobody changed it meanwhile, writes its history row and, on resolve, the grain event — in one transaction.</summary>
public sealed class AlertService(IDbContextFactory<DmarcDbContext> contexts, IGrainInboxWriter inbox, TimeProvider clock)
{
    public const string AcknowledgedAction = "acknowledged";
    public const string ResolvedAction = "resolved";

    public async Task<AlertDetailDto?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await LoadAsync(db, id, cancellationToken);
    }

    /// <summary>Open to acknowledged; anything else is a conflict.</summary>
    public Task<Outcome<AlertDetailDto>> AcknowledgeAsync(long id, string by, string? comment, CancellationToken cancellationToken) =>
        TransitionAsync(id, AcknowledgedAction, by, comment,
            alert => alert.Status switch
            {
                AlertStatus.Open => null,
                AlertStatus.Acknowledged => $"Alert {id} was already acknowledged by {alert.AcknowledgedBy} at {Format(alert.AcknowledgedAt)}.",
                _ => $"Alert {id} was resolved by {alert.ResolvedBy} at {Format(alert.ResolvedAt)}; a resolved alert cannot be acknowledged.",
            },
            (set, now) => set
                .SetProperty(a => a.Status, AlertStatus.Acknowledged)
                .SetProperty(a => a.AcknowledgedAt, now)
                .SetProperty(a => a.AcknowledgedBy, by),
            (_, _) => Task.CompletedTask,
            cancellationToken);

    /// <summary>Open or acknowledged to resolved, and the grain that raised the alert is told to forget its fingerprint.</summary>
    public Task<Outcome<AlertDetailDto>> ResolveAsync(long id, string by, string? comment, CancellationToken cancellationToken) =>
        TransitionAsync(id, ResolvedAction, by, comment,
            alert => alert.Status == AlertStatus.Resolved
                ? $"Alert {id} was already resolved by {alert.ResolvedBy} at {Format(alert.ResolvedAt)}."
                : null,
            (set, now) => set
                .SetProperty(a => a.Status, AlertStatus.Resolved)
                .SetProperty(a => a.ResolvedAt, now)
                .SetProperty(a => a.ResolvedBy, by),
            (db, alert) => inbox.EnqueueAsync(db,
                [
                    new NewInboxEvent(alert.GrainType, alert.GrainKey, GrainEventTypes.AlertClosed,
                        JsonSerializer.Serialize(new AlertClosedEvent(alert.Fingerprint), GrainEventJson.Default.AlertClosedEvent)),
                ],
                cancellationToken),
            cancellationToken);

    private Task<Outcome<AlertDetailDto>> TransitionAsync(
        long id,
        string action,
        string by,
        string? comment,
        Func<AlertEntity, string?> refusal,
        Action<UpdateSettersBuilder<AlertEntity>, DateTimeOffset> set,
        Func<DmarcDbContext, AlertEntity, Task> effects,
        CancellationToken cancellationToken) =>
        contexts.InTransactionAsync(async db =>
        {
            var alert = await db.Alerts.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
            if (alert is null)
            {
                return Outcome<AlertDetailDto>.Fail(ProblemKind.NotFound, $"There is no alert {id}.");
            }

            if (refusal(alert) is { } reason)
            {
                return Outcome<AlertDetailDto>.Fail(ProblemKind.Conflict, reason);
            }

            var now = clock.StoredNow();
            var status = alert.Status;
            var changed = await db.Alerts.Where(a => a.Id == id && a.Status == status)
                .ExecuteUpdateAsync(setters => set(setters, now), cancellationToken);
            if (changed == 0)
            {
                return Outcome<AlertDetailDto>.Fail(ProblemKind.Conflict, $"Alert {id} was changed by someone else meanwhile; reload it and try again.");
            }

            db.AlertHistory.Add(new AlertHistoryEntity { AlertId = id, At = now, Action = action, By = by, Comment = comment });
            await db.SaveChangesAsync(cancellationToken);
            await effects(db, alert);
            return Outcome<AlertDetailDto>.Ok((await LoadAsync(db, id, cancellationToken))!);
        }, cancellationToken);

    private static async Task<AlertDetailDto?> LoadAsync(DmarcDbContext db, long id, CancellationToken cancellationToken)
    {
        var alert = await db.Alerts.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (alert is null)
        {
            return null;
        }

        var history = await db.AlertHistory.Where(h => h.AlertId == id)
            .OrderBy(h => h.At).ThenBy(h => h.Id)
            .Select(h => new AlertHistoryDto(h.Id, h.At, h.Action, h.By, h.Comment))
            .ToListAsync(cancellationToken);
        return new AlertDetailDto(AlertDto.From(alert), history);
    }

    private static string Format(DateTimeOffset? at) => at?.ToString("u", CultureInfo.InvariantCulture) ?? "an unknown time";
}
