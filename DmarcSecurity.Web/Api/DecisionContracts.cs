using System.Text.Json;

namespace DmarcSecurity.Web.Api;

public sealed record DecisionDto(
    Guid Id, string Ip, string Scope, string Cidr, string Action, string Severity, double Score, long TtlSeconds,
    DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string Origin, string Reason, bool Simulated, bool SuppressedByAllowlist,
    string? AllowlistReason, int RepeatOffences, Guid? Supersedes, string ReviewStatus, string? ReviewedBy,
    DateTimeOffset? ReviewedAt, string? ReviewComment)
{
    public bool IsPending => ReviewStatus == DecisionChoices.Pending;
}

/// <summary>A decision and its score breakdown: the five components, each with value, weight, contribution and inputs;
/// and the active learned-severity model's advice, when there is one.</summary>
public sealed record DecisionDetailDto(DecisionDto Decision, JsonElement Breakdown, SeverityPredictionDto? LearnedSeverity = null)
{
    public IReadOnlyList<ScoreComponent> Components() =>
        Breakdown.ValueKind != JsonValueKind.Object
            ? []
            : DecisionChoices.Components
                .Select(name => Breakdown.TryGetProperty(name, out var c) && c.ValueKind == JsonValueKind.Object ? ScoreComponent.From(name, c) : null)
                .OfType<ScoreComponent>()
                .ToList();
}

public sealed record ScoreComponent(string Name, double Value, double Weight, double Contribution, IReadOnlyList<KeyValuePair<string, double>> Inputs)
{
    internal static ScoreComponent From(string name, JsonElement c) => new(
        name, Number(c, "value"), Number(c, "weight"), Number(c, "contribution"),
        c.TryGetProperty("inputs", out var inputs) && inputs.ValueKind == JsonValueKind.Object
            ? inputs.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .Select(p => KeyValuePair.Create(p.Name, p.Value.GetDouble())).ToList()
            : []);

    private static double Number(JsonElement c, string name) =>
        c.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
}

public sealed record AllowlistEntryDto(long Id, string Network, string Reason, string CreatedBy, DateTimeOffset CreatedAt);

public sealed record AllowlistRequest(string? Network, string? Reason);

/// <summary>The Api's names for decision filters and fields.</summary>
public static class DecisionChoices
{
    public const string Pending = "Pending";

    public static readonly string[] Actions = ["None", "Monitor", "Reassess", "Review", "Block"];
    public static readonly string[] ReviewStatuses = ["NotRequired", Pending, "Approved", "Dismissed"];
    public static readonly string[] Components = ["pattern", "context", "history", "reputation", "anomaly"];
}

/// <summary>POST /api/decisions: a block queued for the address's grain, or the blocks a lift ended.</summary>
public sealed record ManualDecisionResultDto(string Ip, string Action, bool Queued, IReadOnlyList<Guid> Lifted);

/// <summary>The active learned-severity model's advice on a decision (GET /api/decisions/{id}).</summary>
public sealed record SeverityPredictionDto(Guid DecisionId, int ModelVersion, DateTimeOffset PredictedAt, double Probability, string Severity, double Confidence);

public sealed record SeverityModelMetricsDto(double Auc, double PrecisionAtK, int K, int[][] Confusion, int TrainedOn, int TestedOn);

/// <summary>A learned-severity model version (GET /api/models/severity).</summary>
public sealed record SeverityModelDto(
    int Version, DateTimeOffset TrainedAt, string TrainedBy, int Examples, int Confirmed, int Dismissed, SeverityModelMetricsDto Metrics,
    bool Active, DateTimeOffset? ActivatedAt, string? ActivatedBy, int Predictions, bool Decides = false, DateTimeOffset? DecidesSince = null,
    string? DecidesBy = null);

/// <summary>A run of a scheduled job (GET /api/jobs, POST /api/jobs/{name}/run).</summary>
public sealed record JobRunDto(long Id, string Job, string Trigger, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, double? Seconds,
    string Outcome, string? Summary, string? Error);

/// <param name="Kind">Scheduled, or Loop (a mailbox, watched folder or IDS log reader, each pass a run).</param>
public sealed record JobDto(
    string Name, string Kind, string Description, TimeSpan? Interval, bool Running, DateTimeOffset? NextRunAt, JobRunDto? LastRun, int FailuresInARow,
    IReadOnlyList<JobRunDto> Recent);
