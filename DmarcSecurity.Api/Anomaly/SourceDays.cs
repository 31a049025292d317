using System.Text.Json;
using DmarcSecurity.Core.Anomaly;

namespace DmarcSecurity.Api.Anomaly;

/// <summary>Reads a source-IP grain's stored state (the silo's SourceIpState as JSON: <c>days</c>, <c>idsDays</c>,
/// <c>domains</c>) into its evidence per day, DMARC and IDS side by side.</summary>
internal static class SourceDays
{
    public static IEnumerable<(DateOnly Day, SourceDayEvidence Evidence)> Read(string state)
    {
        using var json = JsonDocument.Parse(state);
        var root = json.RootElement;
        var claimed = root.TryGetProperty("domains", out var domains) && domains.ValueKind == JsonValueKind.Object ? domains.EnumerateObject().Count() : 0;
        var days = new SortedDictionary<DateOnly, SourceDayEvidence>();
        foreach (var d in Array(root, "days"))
        {
            var day = DateOnly.Parse(d.GetProperty("day").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            days[day] = new SourceDayEvidence(
                Long(d, "messages"), Long(d, "failingBoth"), Long(d, "quarantine"), Long(d, "reject"), claimed, 0, null, 0, 0, 0, 0);
        }

        foreach (var d in Array(root, "idsDays"))
        {
            var day = DateOnly.Parse(d.GetProperty("day").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var known = days.TryGetValue(day, out var dmarc) ? dmarc : new SourceDayEvidence(0, 0, 0, 0, claimed, 0, null, 0, 0, 0, 0);
            days[day] = known with
            {
                IdsAlerts = Long(d, "alerts"),
                TopPriority = d.TryGetProperty("topPriority", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : null,
                Probes = Long(d, "probes"),
                TargetHits = Long(d, "targetHits"),
                ProtectedHits = Long(d, "protectedHits"),
                DistinctTargets = (int)Long(d, "distinctTargets"),
            };
        }

        return days.Select(d => (d.Key, d.Value));
    }

    private static IEnumerable<JsonElement> Array(JsonElement root, string name) =>
        root.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray().ToList() : [];

    private static long Long(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
}
