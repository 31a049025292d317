using System.Text.Json;
using DmarcSecurity.Grains.Runtime;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>The runtime tests' grain: sums the values of its events, counts them, emits an output at every
/// <see cref="OutputEvery"/>th event, and (when it has a tick interval) counts its ticks.</summary>
internal sealed class CounterGrain(TimeSpan? tickInterval = null) : IGrainHandler
{
    public const string Type = "counter";
    public const string EventType = "add";
    public const int OutputEvery = 7;

    public string GrainType => Type;

    public TimeSpan? TickInterval => tickInterval;

    public static string Payload(int value) => $$"""{"value":{{value}}}""";

    public GrainUpdate Apply(string key, string? state, IReadOnlyList<InboxEvent> events, DateTimeOffset now)
    {
        var current = state is null ? new CounterState(0, 0, 0) : Read(state);
        var outputs = new List<GrainOutput>();
        foreach (var e in events)
        {
            using var payload = JsonDocument.Parse(e.Payload);
            current = current with { Sum = current.Sum + payload.RootElement.GetProperty("value").GetInt64(), Count = current.Count + 1 };
            if (current.Count % OutputEvery == 0)
            {
                outputs.Add(new GrainOutput("milestone", $$"""{"count":{{current.Count}}}"""));
            }
        }

        return new GrainUpdate(JsonSerializer.Serialize(current), outputs);
    }

    public GrainUpdate? Tick(string key, string state, DateTimeOffset now)
    {
        var current = Read(state);
        return new GrainUpdate(JsonSerializer.Serialize(current with { Ticks = current.Ticks + 1 }), []);
    }

    public static CounterState Read(string state) => JsonSerializer.Deserialize<CounterState>(state)!;
}

internal sealed record CounterState(long Sum, long Count, long Ticks);

/// <summary>The counter as an Orleans grain, as the DMARC grains are.</summary>
[GrainType(CounterGrain.Type)]
internal sealed class CounterGrainHost(IEnumerable<IGrainHandler> handlers, GrainStorage storage, TimeProvider clock, Microsoft.Extensions.Logging.ILogger<CounterGrainHost> logger)
    : InboxGrain(handlers, storage, clock, logger), IInboxGrain;
