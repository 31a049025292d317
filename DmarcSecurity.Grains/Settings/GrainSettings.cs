using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Domains;

namespace DmarcSecurity.Grains.Settings;

/// <summary>Everything the grain behaviours are configured with, as one immutable snapshot.</summary>
public sealed record GrainSettings
{
    public static GrainSettings Default { get; } = new();

    /// <summary>Rules as stored; a rule missing here runs with its default (<see cref="AlertRules.Defaults"/>).</summary>
    public IReadOnlyList<AlertRule> Rules { get; init; } = AlertRules.Defaults;

    public IReadOnlyList<AlertSuppression> Suppressions { get; init; } = [];

    public NetworkTable<AllowlistEntry> Allowlist { get; init; } = NetworkTable<AllowlistEntry>.Empty;

    public NetworkTable<ReputationEntry> Reputation { get; init; } = NetworkTable<ReputationEntry>.Empty;

    /// <summary>The networks the IDS sensors protect (Snort's <c>HOME_NET</c>, the <c>cidr_include</c> of older
    /// setups): an alert against one of them weighs in the context component. Empty means every target is ours.</summary>
    public NetworkTable<ProtectedNetwork> ProtectedNetworks { get; init; } = NetworkTable<ProtectedNetwork>.Empty;

    public ScoringSettings Scoring { get; init; } = ScoringSettings.Default;

    public DecisionSettings Decisions { get; init; } = DecisionSettings.Default;

    public DomainSettings Domains { get; init; } = DomainSettings.Default;

    public AlertRule Rule(string key) =>
        Rules.FirstOrDefault(r => r.Key == key) ?? AlertRules.Default(key)
        ?? throw new KeyNotFoundException($"No alert rule '{key}'.");

    /// <summary>What is wrong with these settings, each message naming the setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        var w = Scoring.Weights;
        Check(new[] { w.Pattern, w.Context, w.History, w.Reputation, w.Anomaly }.All(x => x >= 0 && double.IsFinite(x)) && w.Sum > 0,
            "Scoring.Weights: every weight must be 0 or more, and at least one above 0.");
        Check(new[] { Scoring.PatternVolumeSaturation, Scoring.ContextDomainSaturation, Scoring.HistoryOffenceSaturation, Scoring.HistoryDaySaturation,
                Scoring.IdsAlertSaturation, Scoring.IdsProbeSaturation, Scoring.IdsTargetSaturation }
            .All(x => x > 0), "Scoring: every saturation must be above 0.");
        Check(Decisions.DefaultTtl > TimeSpan.Zero, "Decisions.DefaultTtl must be above 0.");
        Check(Decisions.MaxTtl >= Decisions.DefaultTtl, "Decisions.MaxTtl must be at least Decisions.DefaultTtl.");
        Check(Decisions.ReassessAfter > TimeSpan.Zero, "Decisions.ReassessAfter must be above 0.");
        Check(Decisions.OffenceMemory >= TimeSpan.Zero, "Decisions.OffenceMemory must not be negative.");
        Check(Decisions.EvidenceDays >= 1, "Decisions.EvidenceDays must be at least 1.");
        Check(Decisions.MaxClaimedDomains >= 1, "Decisions.MaxClaimedDomains must be at least 1.");
        Check(Decisions.BlockPrefixV4 is null or >= 0 and <= 32, "Decisions.BlockPrefixV4 must be 0..32.");
        Check(Decisions.BlockPrefixV6 is null or >= 0 and <= 128, "Decisions.BlockPrefixV6 must be 0..128.");
        Check(Domains.RetentionDays >= 1, "Domains.RetentionDays must be at least 1.");
        Check(Domains.BaselineAlpha is > 0 and <= 1, "Domains.BaselineAlpha must be above 0 and at most 1.");
        Check(Domains.BaselineSettleDays >= 0, "Domains.BaselineSettleDays must not be negative.");
        Check(Domains.BaselineMinMessages >= 0, "Domains.BaselineMinMessages must not be negative.");
        Check(Domains.MaxKnownSenders >= 1, "Domains.MaxKnownSenders must be at least 1.");
        foreach (var rule in Rules)
        {
            Check(rule.Cooldown >= TimeSpan.Zero, $"Rules[{rule.Key}].Cooldown must not be negative.");
            Check(rule.Thresholds.Values.All(double.IsFinite), $"Rules[{rule.Key}].Thresholds must be finite numbers.");
        }

        foreach (var suppression in Suppressions.Where(s => s.Scope == SuppressionScope.Network && !Networks.TryParse(s.Value, out _)))
        {
            problems.Add($"Suppressions: '{suppression.Value}' is neither an IP address nor a CIDR block.");
        }

        return problems;
    }
}
