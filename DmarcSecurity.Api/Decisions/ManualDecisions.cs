using System.Security.Claims;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Grains;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Decisions;

public enum ManualAction
{
    /// <summary>Block the address for <see cref="ManualDecisionRequest.Duration"/>.</summary>
    Block,

    /// <summary>Lift every block in force on the address.</summary>
    Lift,
}

/// <param name="Duration">How long a block lasts (1 minute to 365 days; 4 hours when left out).</param>
/// <param name="BypassAllowlist">Block even an allowlisted address (Admins only).</param>
public sealed record ManualDecisionRequest(string? Ip, ManualAction? Action, TimeSpan? Duration, string? Reason, bool BypassAllowlist = false);

/// <param name="Lifted">The block decisions a lift ended.</param>
/// <param name="Queued">A block is made by the address's source-IP grain: it shows in the decisions within moments.</param>
public sealed record ManualDecisionResult(string Ip, ManualAction Action, bool Queued, IReadOnlyList<Guid> Lifted);

/// <summary>An analyst's block or lift of an address. A block goes to the address's source-IP grain through the inbox,
/// so it is made by the same path as the grains' own decisions (allowlist checked, superseding what is in force); a
/// lift dismisses the blocks in force, and the grain is told as it is of any review.</summary>
public sealed class ManualDecisions(IDbContextFactory<DmarcDbContext> contexts, IGrainInboxWriter inbox, TimeProvider clock)
{
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(4);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(365);

    public Task<Outcome<ManualDecisionResult>> ApplyAsync(ManualDecisionRequest request, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Networks.TryParseAddress(request.Ip, out var address, usualFormOnly: true))
        {
            errors["ip"] = ["ip must be an IP address such as 203.0.113.9 or 2001:db8::9."];
        }

        if (request.Action is null)
        {
            errors["action"] = ["action must be Block or Lift."];
        }

        var duration = request.Duration ?? DefaultDuration;
        if (duration < TimeSpan.FromMinutes(1) || duration > MaxDuration)
        {
            errors["duration"] = ["duration must be between 00:01:00 and 365.00:00:00."];
        }

        var reason = TextField.Required(request.Reason, "reason", errors);
        if (errors.Count > 0)
        {
            var (field, messages) = errors.First();
            return Task.FromResult(Outcome<ManualDecisionResult>.Fail(ProblemKind.Invalid, messages[0], field));
        }

        if (request.BypassAllowlist && !user.IsAdmin())
        {
            return Task.FromResult(Outcome<ManualDecisionResult>.Fail(ProblemKind.Forbidden, "Only an Admin may bypass the allowlist."));
        }

        var ip = Networks.Normalize(address!).ToString();
        var by = Actor.Of(user);
        return request.Action == ManualAction.Block
            ? BlockAsync(ip, duration, reason, by, request.BypassAllowlist, cancellationToken)
            : LiftAsync(ip, reason, by, cancellationToken);
    }

    private Task<Outcome<ManualDecisionResult>> BlockAsync(string ip, TimeSpan duration, string reason, string by, bool bypass, CancellationToken cancellationToken) =>
        contexts.InTransactionAsync(async db =>
        {
            await inbox.EnqueueAsync(db,
                [
                    new NewInboxEvent(GrainTypes.SourceIp, ip, GrainEventTypes.ManualBlock,
                        JsonSerializer.Serialize(new ManualBlockEvent(duration, reason, by, bypass), GrainEventJson.Default.ManualBlockEvent)),
                ],
                cancellationToken);
            return Outcome<ManualDecisionResult>.Ok(new ManualDecisionResult(ip, ManualAction.Block, true, []));
        }, cancellationToken);

    private Task<Outcome<ManualDecisionResult>> LiftAsync(string ip, string reason, string by, CancellationToken cancellationToken) =>
        contexts.InTransactionAsync(async db =>
        {
            var now = clock.StoredNow();
            var blocks = await db.Decisions
                .Where(d => d.Ip == ip && d.Action == "Block" && d.ReviewStatus != ReviewStatus.Dismissed && d.ExpiresAt > now)
                .Select(d => d.Id).ToListAsync(cancellationToken);
            if (blocks.Count == 0)
            {
                return Outcome<ManualDecisionResult>.Fail(ProblemKind.NotFound, $"No block is in force on {ip}.");
            }

            await db.Decisions.Where(d => blocks.Contains(d.Id)).ExecuteUpdateAsync(set => set
                .SetProperty(d => d.ReviewStatus, ReviewStatus.Dismissed)
                .SetProperty(d => d.ReviewedBy, by)
                .SetProperty(d => d.ReviewedAt, now)
                .SetProperty(d => d.ReviewComment, reason), cancellationToken);
            await inbox.EnqueueAsync(db,
                [.. blocks.Select(id => new NewInboxEvent(GrainTypes.SourceIp, ip, GrainEventTypes.DecisionReviewed,
                    JsonSerializer.Serialize(new DecisionReviewedEvent(id, ReviewOutcome.Dismissed, by), GrainEventJson.Default.DecisionReviewedEvent)))],
                cancellationToken);
            return Outcome<ManualDecisionResult>.Ok(new ManualDecisionResult(ip, ManualAction.Lift, false, blocks));
        }, cancellationToken);
}
