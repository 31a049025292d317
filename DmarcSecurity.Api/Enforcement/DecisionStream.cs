using System.Globalization;
using System.Net;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Enforcement;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Enforcement;

/// <summary>A decision as remediation components read it (CrowdSec's decision model): <c>type</c> ban, <c>scope</c>
/// Ip or Range, <c>duration</c> as Go writes durations ("3h59m58s").</summary>
public sealed record BouncerDecision(
    long Id, string Origin, string Type, string Scope, string Value, string Duration, DateTimeOffset Until, string Scenario, bool Simulated);

/// <summary>The answer to a pull: blocks to add and blocks to remove (null when there are none, as bouncers expect).</summary>
public sealed record DecisionStreamResponse(IReadOnlyList<BouncerDecision>? New, IReadOnlyList<BouncerDecision>? Deleted);

/// <summary>The enforced blocks in force: block decisions that are not simulated, not suppressed or covered by the
/// allowlist now, not dismissed and not expired; one per blocked value (the one that lasts longest). Each bouncer is
/// told the difference between that and what it was told last time, which is kept per bouncer, so an expiry, a
/// dismissal or a new allowlist entry reaches it as a deletion on its next pull.</summary>
public sealed class DecisionStream(IDbContextFactory<DmarcDbContext> contexts, TimeProvider time)
{
    public const string Origin = "dmarcsecurity";

    public async Task<DecisionStreamResponse> PullAsync(long bouncerId, bool startup, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var active = await InForceAsync(db, now, cancellationToken);
        var told = await db.BouncerDecisions.AsTracking().Where(t => t.BouncerId == bouncerId).ToListAsync(cancellationToken);
        var toldByValue = told.ToDictionary(t => t.Value, StringComparer.Ordinal);

        var added = new List<BouncerDecision>();
        foreach (var (value, block) in active)
        {
            if (toldByValue.TryGetValue(value, out var known))
            {
                if (!startup && known.DecisionId == block.DecisionId)
                {
                    continue;
                }

                known.DecisionId = block.DecisionId;
                known.ExpiresAt = block.ExpiresAt;
            }
            else
            {
                db.BouncerDecisions.Add(new BouncerDecisionEntity { BouncerId = bouncerId, Value = value, DecisionId = block.DecisionId, ExpiresAt = block.ExpiresAt });
            }

            added.Add(block.ToBouncer(now));
        }

        var deleted = new List<BouncerDecision>();
        foreach (var gone in told.Where(t => !active.ContainsKey(t.Value)))
        {
            db.BouncerDecisions.Remove(gone);
            deleted.Add(new Block(gone.DecisionId, gone.Value.Contains('/', StringComparison.Ordinal) ? "Range" : "Ip", gone.Value, gone.ExpiresAt, "").ToBouncer(now));
        }

        await db.Bouncers.Where(b => b.Id == bouncerId).ExecuteUpdateAsync(set => set.SetProperty(b => b.LastPullAt, now), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new DecisionStreamResponse(added.Count > 0 ? added : null, deleted.Count > 0 ? deleted : null);
    }

    /// <summary>The blocks in force that cover <paramref name="address"/>.</summary>
    public async Task<IReadOnlyList<BouncerDecision>> ForAddressAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var active = await InForceAsync(db, now, cancellationToken);
        return active.Values.Where(b => Networks.Contains(Networks.Parse(b.Value), address)).Select(b => b.ToBouncer(now)).ToList();
    }

    private static async Task<Dictionary<string, Block>> InForceAsync(DmarcDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var blocks = await db.Decisions
            .Where(d => d.Action == "Block" && !d.Simulated && !d.SuppressedByAllowlist && d.ReviewStatus != ReviewStatus.Dismissed && d.ExpiresAt > now)
            .Select(d => new { d.Id, d.Scope, d.Ip, d.Cidr, d.ExpiresAt, d.Severity })
            .ToListAsync(cancellationToken);
        var allowlist = (await db.Allowlist.Select(a => a.Network).ToListAsync(cancellationToken)).Select(Networks.Parse).ToList();
        var inForce = new Dictionary<string, Block>(StringComparer.Ordinal);
        foreach (var d in blocks)
        {
            var range = d.Scope == "Cidr";
            var value = range ? d.Cidr : d.Ip;
            var network = Networks.Parse(value);
            if (allowlist.Any(a => Overlap(a, network)))
            {
                continue;
            }

            if (!inForce.TryGetValue(value, out var longest) || d.ExpiresAt > longest.ExpiresAt)
            {
                inForce[value] = new Block(d.Id, range ? "Range" : "Ip", value, d.ExpiresAt, $"{Origin}/threat-{d.Severity.ToLowerInvariant()}");
            }
        }

        return inForce;
    }

    private static bool Overlap(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    private sealed record Block(Guid DecisionId, string Scope, string Value, DateTimeOffset ExpiresAt, string Scenario)
    {
        public BouncerDecision ToBouncer(DateTimeOffset now) => new(
            BitConverter.ToInt64(DecisionId.ToByteArray()) & long.MaxValue, Origin, "ban", Scope, Value,
            GoDuration(ExpiresAt - now), ExpiresAt, Scenario, Simulated: false);
    }

    /// <summary>Whole seconds as Go's time.Duration prints them ("4h0m0s", "59m3s", "0s"); none left is "0s".</summary>
    private static string GoDuration(TimeSpan left)
    {
        var seconds = Math.Max(0, (long)left.TotalSeconds);
        var (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
        return hours > 0 ? string.Create(CultureInfo.InvariantCulture, $"{hours}h{minutes}m{rest}s")
            : minutes > 0 ? string.Create(CultureInfo.InvariantCulture, $"{minutes}m{rest}s")
            : string.Create(CultureInfo.InvariantCulture, $"{rest}s");
    }
}
