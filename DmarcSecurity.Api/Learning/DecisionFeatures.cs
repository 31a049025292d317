using System.Text.Json;

namespace DmarcSecurity.Api.Learning;

/// <summary>
/// The evidence a decision was made on, as the learned-severity model reads it: its score, the five components and
/// the inputs behind them, from the breakdown stored with the decision. An input the decision lacks (older decisions
/// have no IDS inputs) reads as 0.
/// </summary>
public static class DecisionFeatures
{
    public static readonly IReadOnlyList<string> Names =
    [
        "score", "pattern", "context", "history", "reputation", "anomaly",
        "pattern.failRatio", "pattern.volume", "pattern.gravity", "pattern.alertVolume", "pattern.probeVolume",
        "context.enforced", "context.breadth", "context.protectedShare", "context.spread",
        "history.offences", "history.persistence", "reputation.listed",
    ];

    public static float[] Of(double score, string breakdown)
    {
        using var json = JsonDocument.Parse(breakdown);
        var root = json.RootElement;
        var features = new float[Names.Count];
        features[0] = (float)score;
        for (var i = 1; i < Names.Count; i++)
        {
            var name = Names[i];
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            var component = dot < 0 ? name : name[..dot];
            if (!root.TryGetProperty(component, out var c) || c.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var value = dot < 0
                ? c.TryGetProperty("value", out var v) ? v : default
                : c.TryGetProperty("inputs", out var inputs) && inputs.ValueKind == JsonValueKind.Object && inputs.TryGetProperty(name[(dot + 1)..], out var input) ? input : default;
            features[i] = value.ValueKind == JsonValueKind.Number ? (float)value.GetDouble() : 0;
        }

        return features;
    }
}
