using System.Collections.Concurrent;
using DmarcSecurity.Data.Grains;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// One grain's inbox events through its behaviour, into the write that stores the result: the same for a grain in memory
/// (<see cref="InboxGrain"/>) and for one its partition applies without activating it (<see cref="PartitionGrain"/>).
/// </summary>
internal static class InboxApplication
{
    /// <summary>The write of <paramref name="events"/> applied to the state read at <paramref name="version"/>. Events the
    /// behaviour cannot apply are dead-lettered in the same write and the state stays as it was: behaviours are pure, so
    /// the same events would fail again on every retry and stall the partition.</summary>
    public static GrainWrite Apply(
        IGrainHandler handler, string key, int partition, long version, string? state, InboxEvent[] events, DateTimeOffset now, ILogger logger)
    {
        GrainUpdate? update = null;
        IReadOnlyList<GrainDeadLetterEntity> deadLetters = [];
        try
        {
            update = handler.Apply(key, state, events, now);
            if (update.State is null)
            {
                throw new InvalidOperationException($"The {handler.GrainType} handler returned an update without a state.");
            }
        }
        catch (Exception e)
        {
            GrainRuntimeLog.HandlerFailed(logger, handler.GrainType, key, events.Length, e);
            update = null;
            deadLetters = [.. events.Select(x => DeadLetter(x, partition, e, now))];
        }

        return new GrainWrite(handler.GrainType, key, partition, version, update?.State, update?.Outputs ?? [], [.. events.Select(e => e.Id)], deadLetters);
    }

    private static GrainDeadLetterEntity DeadLetter(InboxEvent e, int partition, Exception error, DateTimeOffset now) => new()
    {
        InboxId = e.Id,
        Partition = partition,
        GrainType = e.GrainType,
        GrainKey = e.GrainKey,
        EventType = e.EventType,
        Payload = e.Payload,
        EnqueuedAt = e.EnqueuedAt,
        FailedAt = now,
        Error = Bounded($"{error.GetType().Name}: {error.Message}"),
    };

    private static string Bounded(string text) => text.Length > 4000 ? text[..4000] : text;
}

/// <summary>The inbox grains in memory on this silo. A partition hands a grain's events to its activation when it has
/// one here, so the grain applies them on the state it holds; the others it applies itself.</summary>
internal sealed class ActiveGrains
{
    private readonly ConcurrentDictionary<GrainId, byte> _active = new();

    public void Add(GrainId grain) => _active.TryAdd(grain, 0);

    public void Remove(GrainId grain) => _active.TryRemove(grain, out _);

    public bool Contains(GrainId grain) => _active.ContainsKey(grain);
}
