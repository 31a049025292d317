using System.Text.Json;

namespace DmarcSecurity.Web.Api;

public sealed record AlertDto(
    long Id, string Fingerprint, string RuleKey, string Severity, string GrainType, string GrainKey, string Title, string Detail,
    JsonElement Discriminators, string Status, int Occurrences, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt,
    DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy)
{
    /// <summary>The page of the grain that raised the alert.</summary>
    public string GrainLink => (GrainType == AlertChoices.SourceIpGrain ? "/sources/" : "/domains/") + Uri.EscapeDataString(GrainKey);

    public bool CanAcknowledge => Status == AlertChoices.Open;

    public bool CanResolve => Status is AlertChoices.Open or AlertChoices.Acknowledged;

    /// <summary>The discriminators (what makes this alert distinct from others of its rule and grain) as name and text.</summary>
    public IEnumerable<KeyValuePair<string, string>> DiscriminatorList() =>
        Discriminators.ValueKind == JsonValueKind.Object
            ? Discriminators.EnumerateObject().Select(p => KeyValuePair.Create(p.Name,
                p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText()))
            : [];
}

public sealed record AlertHistoryDto(long Id, DateTimeOffset At, string Action, string? By, string? Comment);

public sealed record AlertDetailDto(AlertDto Alert, IReadOnlyList<AlertHistoryDto> History);

/// <summary>The body of a lifecycle step (acknowledge, resolve, approve, dismiss): an optional comment.</summary>
public sealed record CommentRequest(string? Comment);

public sealed record AlertRuleDto(
    string Key, bool Enabled, string Severity, long CooldownSeconds, IReadOnlyDictionary<string, double> Thresholds, string Description,
    DateTimeOffset UpdatedAt, string? UpdatedBy);

/// <summary><c>Cooldown</c> is whole seconds (a number) or a TimeSpan text such as "12:00:00".</summary>
public sealed record UpdateAlertRuleRequest(bool? Enabled, string? Severity, object? Cooldown, IReadOnlyDictionary<string, double>? Thresholds, string? Description);

public sealed record SuppressionDto(
    long Id, string Scope, string Value, DateTimeOffset Start, DateTimeOffset? End, string Reason, string CreatedBy, DateTimeOffset CreatedAt, bool Active);

public sealed record SuppressionRequest(string? Scope, string? Value, DateTimeOffset? Start, DateTimeOffset? End, string? Reason);

/// <summary>The Api's names for alert filters and fields.</summary>
public static class AlertChoices
{
    public const string Open = "Open";
    public const string Acknowledged = "Acknowledged";
    public const string Resolved = "Resolved";
    public const string DomainGrain = "domain";
    public const string SourceIpGrain = "source-ip";

    public static readonly string[] Statuses = [Open, Acknowledged, Resolved];
    public static readonly string[] Severities = ["Info", "Low", "Medium", "High", "Critical"];
    public static readonly string[] GrainTypes = [DomainGrain, SourceIpGrain];
    public static readonly string[] SuppressionScopes = ["Domain", "Network", "Rule"];
}
