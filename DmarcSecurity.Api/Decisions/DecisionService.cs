using System.Globalization;
using System.Text.Json;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Grains;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Decisions;

/// <summary>Reads decisions and records the analyst's review: the review columns change only while the decision is
/// still pending, and the source-IP grain is told of the outcome in the same transaction.</summary>
public sealed class DecisionService(IDbContextFactory<DmarcDbContext> contexts, IGrainInboxWriter inbox, TimeProvider clock)
{
    public async Task<DecisionDetailDto?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await LoadAsync(db, id, cancellationToken);
    }

    public Task<Outcome<DecisionDetailDto>> ReviewAsync(Guid id, ReviewOutcome outcome, string by, string? comment, CancellationToken cancellationToken) =>
        contexts.InTransactionAsync(async db =>
        {
            var decision = await db.Decisions.SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
            if (decision is null)
            {
                return Outcome<DecisionDetailDto>.Fail(ProblemKind.NotFound, $"There is no decision {id}.");
            }

            if (decision.ReviewStatus != ReviewStatus.Pending)
            {
                return Outcome<DecisionDetailDto>.Fail(ProblemKind.Conflict, decision.ReviewStatus == ReviewStatus.NotRequired
                    ? $"Decision {id} ({decision.Action}) does not ask for a review."
                    : $"Decision {id} was already {decision.ReviewStatus.ToString().ToLowerInvariant()} by {decision.ReviewedBy} at {decision.ReviewedAt?.ToString("u", CultureInfo.InvariantCulture)}.");
            }

            var now = clock.StoredNow();
            var status = outcome == ReviewOutcome.Approved ? ReviewStatus.Approved : ReviewStatus.Dismissed;
            var changed = await db.Decisions.Where(d => d.Id == id && d.ReviewStatus == ReviewStatus.Pending)
                .ExecuteUpdateAsync(
                    set => set
                        .SetProperty(d => d.ReviewStatus, status)
                        .SetProperty(d => d.ReviewedBy, by)
                        .SetProperty(d => d.ReviewedAt, now)
                        .SetProperty(d => d.ReviewComment, comment),
                    cancellationToken);
            if (changed == 0)
            {
                return Outcome<DecisionDetailDto>.Fail(ProblemKind.Conflict, $"Decision {id} was reviewed by someone else meanwhile.");
            }

            await inbox.EnqueueAsync(db,
                [
                    new NewInboxEvent(GrainTypes.SourceIp, decision.Ip, GrainEventTypes.DecisionReviewed,
                        JsonSerializer.Serialize(new DecisionReviewedEvent(id, outcome, by), GrainEventJson.Default.DecisionReviewedEvent)),
                ],
                cancellationToken);
            return Outcome<DecisionDetailDto>.Ok((await LoadAsync(db, id, cancellationToken))!);
        }, cancellationToken);

    private static async Task<DecisionDetailDto?> LoadAsync(DmarcDbContext db, Guid id, CancellationToken cancellationToken) =>
        await db.Decisions.SingleOrDefaultAsync(d => d.Id == id, cancellationToken) is { } decision
            ? new DecisionDetailDto(DecisionDto.From(decision), StoredJson.Parse(decision.Breakdown),
                await Learning.SeverityModels.AdviceAsync(db, id, cancellationToken))
            : null;
}
