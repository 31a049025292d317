namespace DmarcSecurity.Grains.Alerts;

/// <summary>One editable alert rule, as stored in the database and handed to the grains in their settings.</summary>
/// <param name="Key">Stable rule key, e.g. "domain.failure-spike" (see <see cref="AlertRules"/>).</param>
/// <param name="Severity">Severity of the alerts it raises (the threat rule takes the decision's severity instead).</param>
/// <param name="Cooldown">How long after an alert was raised the same fingerprint may not open a new alert once
/// the first one is closed.</param>
/// <param name="Thresholds">Named numbers; a name missing here takes the rule's default.</param>
public sealed record AlertRule(
    string Key,
    bool Enabled,
    Severity Severity,
    TimeSpan Cooldown,
    IReadOnlyDictionary<string, double> Thresholds,
    string Description = "")
{
    public double Threshold(string name) =>
        Thresholds.TryGetValue(name, out var value) ? value
        : AlertRules.Default(Key) is { } fallback && fallback.Thresholds.TryGetValue(name, out var standard) ? standard
        : throw new KeyNotFoundException($"Alert rule '{Key}' has no threshold '{name}'.");
}

/// <summary>The rule keys, their threshold names and their defaults (from which the database is seeded).</summary>
public static class AlertRules
{
    /// <summary>Today's DMARC failure rate of a domain well above its baseline.</summary>
    public const string FailureSpike = "domain.failure-spike";

    /// <summary>A source with volume that fails both alignments and has never passed for the domain.</summary>
    public const string NewSource = "domain.new-source";

    /// <summary>p or sp weaker than before, pct lowered, np weaker, or testing switched on.</summary>
    public const string PolicyDowngrade = "domain.policy-downgrade";

    /// <summary>A DNS posture check found the domain's published DMARC, SPF, DKIM, MTA-STS or TLS-RPT changed.</summary>
    public const string DnsPostureChange = "domain.dns-posture-change";

    /// <summary>A reporter that sent daily has gone silent.</summary>
    public const string ReporterGap = "domain.reporter-gap";

    /// <summary>A source IP reached a decision that asks for notification (high and critical).</summary>
    public const string SourceThreat = "source.threat";

    /// <summary>Threshold names.</summary>
    public static class Thresholds
    {
        /// <summary>Minimum messages (the day's for a spike, the source's in one report for a new source).</summary>
        public const string MinMessages = "minMessages";

        /// <summary>Days folded into the baseline before a spike can be judged.</summary>
        public const string MinBaselineDays = "minBaselineDays";

        /// <summary>Failure rate at least this many times the baseline.</summary>
        public const string Ratio = "ratio";

        /// <summary>Failure rate at least this much (absolute, 0..1) above the baseline.</summary>
        public const string MinIncrease = "minIncrease";

        /// <summary>Consecutive report days that make a reporter daily.</summary>
        public const string DailyDays = "dailyDays";

        /// <summary>Days without a report from a daily reporter before it counts as a gap.</summary>
        public const string SilentDays = "silentDays";
    }

    public static IReadOnlyList<AlertRule> Defaults { get; } =
    [
        new(FailureSpike, true, Severity.High, TimeSpan.FromHours(12),
            Numbers((Thresholds.MinMessages, 100), (Thresholds.MinBaselineDays, 7), (Thresholds.Ratio, 2), (Thresholds.MinIncrease, 0.10)),
            "Today's DMARC failure rate is well above the domain's baseline."),
        new(NewSource, true, Severity.Medium, TimeSpan.FromHours(24), Numbers((Thresholds.MinMessages, 10)),
            "A source sends as the domain, fails DKIM and SPF alignment, and has never passed."),
        new(PolicyDowngrade, true, Severity.High, TimeSpan.FromHours(1), Numbers(),
            "The published DMARC policy became weaker (p, sp, np, pct or testing)."),
        new(ReporterGap, true, Severity.Low, TimeSpan.FromHours(24),
            Numbers((Thresholds.DailyDays, 7), (Thresholds.SilentDays, 3)),
            "A reporter that sent a report every day has gone silent."),
        new(SourceThreat, true, Severity.High, TimeSpan.FromHours(4), Numbers(),
            "A source IP scored high or critical; the alert carries the decision."),
        new(DnsPostureChange, true, Severity.Medium, TimeSpan.FromHours(1), Numbers(),
            "The domain's published DMARC, SPF, DKIM, MTA-STS or TLS-RPT records changed between two DNS posture checks."),
    ];

    public static AlertRule? Default(string key) => Defaults.FirstOrDefault(r => r.Key == key);

    private static Dictionary<string, double> Numbers(params (string Name, double Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
}
