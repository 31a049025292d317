using System.Net;
using System.ComponentModel.DataAnnotations;
using DmarcSecurity.Grains.Decisions;

namespace DmarcSecurity.Grains.Settings;

/// <summary>Decision and scoring settings that come from configuration (section <c>Threat</c>); rules, suppressions and
/// the allowlist come from the database.</summary>
public sealed class ThreatOptions
{
    public const string SectionName = "Threat";

    /// <summary>False (the default) is dry-run: decisions are recorded as simulated and nothing is enforced.</summary>
    public bool Enforce { get; set; }

    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Threat:DefaultTtl must be between 1 minute and 30 days.")]
    public TimeSpan DefaultTtl { get; set; } = DecisionSettings.Default.DefaultTtl;

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Threat:MaxTtl must be between 1 minute and 365 days.")]
    public TimeSpan MaxTtl { get; set; } = DecisionSettings.Default.MaxTtl;

    /// <summary>Weights of pattern, context, history, reputation and anomaly (defaults 0.30, 0.25, 0.20, 0.15, 0.10).</summary>
    public double PatternWeight { get; set; } = ScoringWeights.Default.Pattern;

    public double ContextWeight { get; set; } = ScoringWeights.Default.Context;

    public double HistoryWeight { get; set; } = ScoringWeights.Default.History;

    public double ReputationWeight { get; set; } = ScoringWeights.Default.Reputation;

    public double AnomalyWeight { get; set; } = ScoringWeights.Default.Anomaly;

    /// <summary>A CSV of <c>network,score,source</c> lines (score 0..1) loaded as the reputation list; none by default.</summary>
    public string? ReputationCsvPath { get; set; }

    /// <summary>The networks the IDS sensors protect, as addresses or CIDR blocks separated by commas or spaces (for
    /// example <c>192.0.2.0/24, 2001:db8::/32</c>); none means every target of an IDS alert is ours.</summary>
    [CustomValidation(typeof(ThreatOptions), nameof(ValidateNetworks))]
    public string? ProtectedNetworks { get; set; }

    /// <summary>How often rules, suppressions and the allowlist are read again from the database.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Threat:SettingsRefreshInterval must be between 1 second and 1 hour.")]
    public TimeSpan SettingsRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    public static IEnumerable<IPNetwork> ParseNetworks(string? text) => NetworkList(text).Select(Networks.Parse);

    public static ValidationResult? ValidateNetworks(string? text, ValidationContext context)
    {
        var wrong = NetworkList(text).Where(n => !Networks.TryParse(n, out _)).ToList();
        return wrong.Count == 0 ? ValidationResult.Success
            : new ValidationResult($"Threat:ProtectedNetworks: '{string.Join("', '", wrong)}' is neither an IP address nor a CIDR block.");
    }

    private static string[] NetworkList(string? text) =>
        (text ?? "").Split([',', ' ', ';', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
