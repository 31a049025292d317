using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>Deterministic event streams for the counter grain and what applying them exactly once must give.</summary>
internal static class CounterEvents
{
    public static List<NewInboxEvent> Generate(int count, int keys, int seed)
    {
        var random = new Random(seed);
        var events = new List<NewInboxEvent>(count);
        for (var i = 0; i < count; i++)
        {
            events.Add(new NewInboxEvent(CounterGrain.Type, $"key-{random.Next(keys)}", CounterGrain.EventType, CounterGrain.Payload(random.Next(1, 1000))));
        }

        return events;
    }

    /// <summary>Sum and count per key.</summary>
    public static SortedDictionary<string, (long Sum, long Count)> Totals(IEnumerable<NewInboxEvent> events)
    {
        var totals = new SortedDictionary<string, (long Sum, long Count)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            using var payload = System.Text.Json.JsonDocument.Parse(e.Payload);
            var value = payload.RootElement.GetProperty("value").GetInt64();
            var (sum, count) = totals.GetValueOrDefault(e.GrainKey);
            totals[e.GrainKey] = (sum + value, count + 1);
        }

        return totals;
    }

    /// <summary>The outputs of an exactly-once run, in the form <see cref="GrainTestDatabase.OutputsAsync"/> reads them.</summary>
    public static List<string> Outputs(SortedDictionary<string, (long Sum, long Count)> totals)
    {
        var outputs = totals
            .SelectMany(t => Enumerable.Range(1, (int)(t.Value.Count / CounterGrain.OutputEvery)).Select(n => $"{t.Key}:{n * CounterGrain.OutputEvery}"))
            .ToList();
        outputs.Sort(StringComparer.Ordinal);
        return outputs;
    }
}
