namespace DmarcSecurity.Cli.Enforcement;

/// <summary>The Api's severities in rising order; a name this tool does not know ranks below them all.</summary>
public static class Severities
{
    public static readonly IReadOnlyList<string> Names = ["Info", "Low", "Medium", "High", "Critical"];

    public static int Rank(string? severity)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], severity?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}

public enum SkipReason
{
    /// <summary>The allowlist suppressed the decision: the grain would record a block and never send it.</summary>
    Allowlisted,
    BelowMinSeverity,

    /// <summary>An enforced block is in force on the address already.</summary>
    AlreadyBlocked,
}

public sealed record SkippedDecision(Decision Decision, SkipReason Reason, string Why);

/// <summary>One pass's reading of the simulated block decisions: per address the decision to enforce, or why it is
/// left alone, and the decisions no longer in force.</summary>
public sealed record EnforcementPlan(IReadOnlyList<Decision> ToBlock, IReadOnlyList<SkippedDecision> Skipped, IReadOnlyList<Decision> NotInForce)
{
    /// <summary>In force: not expired, not dismissed by an analyst.</summary>
    public static bool InForce(Decision decision, DateTimeOffset now) =>
        decision.ExpiresAt > now && !string.Equals(decision.ReviewStatus, "Dismissed", StringComparison.OrdinalIgnoreCase);

    public static EnforcementPlan From(IEnumerable<Decision> simulatedBlocks, string minSeverity, DateTimeOffset now)
    {
        var min = Severities.Rank(minSeverity);
        var decisions = simulatedBlocks.DistinctBy(d => d.Id).ToList();
        var toBlock = new List<Decision>();
        var skipped = new List<SkippedDecision>();

        // A grain decides again only when the severity rises, so the most severe decision in force is its latest word
        // on the address; the newest breaks a tie.
        foreach (var address in decisions.Where(d => InForce(d, now)).GroupBy(d => d.Ip))
        {
            var decision = address.OrderByDescending(d => Severities.Rank(d.Severity)).ThenByDescending(d => d.IssuedAt).First();
            if (decision.SuppressedByAllowlist)
            {
                var why = string.IsNullOrWhiteSpace(decision.AllowlistReason) ? "" : $" ({decision.AllowlistReason.Trim()})";
                skipped.Add(new SkippedDecision(decision, SkipReason.Allowlisted, $"allowlisted{why}: the platform suppressed it"));
            }
            else if (Severities.Rank(decision.Severity) < min)
            {
                skipped.Add(new SkippedDecision(decision, SkipReason.BelowMinSeverity, $"below --min-severity {Severities.Names[min]}"));
            }
            else
            {
                toBlock.Add(decision);
            }
        }

        return new EnforcementPlan(
            [.. toBlock.OrderByDescending(d => Severities.Rank(d.Severity)).ThenByDescending(d => d.Score).ThenBy(d => d.Ip, StringComparer.Ordinal)],
            [.. skipped.OrderBy(s => s.Reason).ThenBy(s => s.Decision.Ip, StringComparer.Ordinal)],
            [.. decisions.Where(d => !InForce(d, now))]);
    }

    /// <summary>The plan without the addresses that have an enforced block in force (<paramref name="enforced"/>, by address).</summary>
    public EnforcementPlan Without(IReadOnlyDictionary<string, Decision> enforced)
    {
        if (enforced.Count == 0)
        {
            return this;
        }

        var already = ToBlock.Where(d => enforced.ContainsKey(d.Ip)).Select(d =>
        {
            var block = enforced[d.Ip];
            return new SkippedDecision(d, SkipReason.AlreadyBlocked,
                $"already blocked: enforced decision {ShortId(block.Id)} until {block.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
        });
        return this with
        {
            ToBlock = [.. ToBlock.Where(d => !enforced.ContainsKey(d.Ip))],
            Skipped = [.. Skipped.Concat(already).OrderBy(s => s.Reason).ThenBy(s => s.Decision.Ip, StringComparer.Ordinal)],
        };
    }

    /// <summary>A decision id's first eight hex digits, as people quote it.</summary>
    public static string ShortId(Guid id) => id.ToString("N")[..8];

    /// <summary>The block's length for <c>POST /api/decisions</c>: what is left of the decision, in whole seconds,
    /// between the Api's bounds (1 minute, 365 days).</summary>
    public static TimeSpan Remaining(Decision decision, DateTimeOffset now)
    {
        var left = TimeSpan.FromSeconds(Math.Floor((decision.ExpiresAt - now).TotalSeconds));
        return left < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : left > TimeSpan.FromDays(365) ? TimeSpan.FromDays(365) : left;
    }
}
