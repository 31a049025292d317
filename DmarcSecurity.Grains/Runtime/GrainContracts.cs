using System.Data.Common;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>One event taken from a grain's inbox.</summary>
/// <param name="Id">Inbox row id: events of one grain are applied in id order.</param>
/// <param name="Payload">The event as JSON, written by whoever enqueued it.</param>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record InboxEvent(long Id, string GrainType, string GrainKey, string EventType, string Payload, DateTimeOffset EnqueuedAt);

/// <summary>A grain's next inbox events with its stored state as the partition read it for the whole batch in one
/// query, so a grain activated for them needs no query of its own. A grain already in memory keeps its own state,
/// which is never older; one read before another writer moved on finds its write refused and reloads.</summary>
/// <param name="StoredVersion">The stored version, 0 when the grain had no stored state.</param>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record InboxBatch(int Partition, InboxEvent[] Events, long StoredVersion, string? StoredState);

/// <summary>Something a grain produced that the runtime hands to the output writer, to be stored in the same
/// transaction as the grain's new state. The runtime never looks inside: the writer of the same silo reads
/// <paramref name="Value"/> as the object the handler made, so nothing is serialised only to be parsed again.</summary>
/// <param name="Kind">What it is, for the output writer (e.g. "alert", "decision", "outbox").</param>
/// <param name="Value">The output, of the type the handler and the writer agree on for <paramref name="Kind"/>.</param>
public sealed record GrainOutput(string Kind, object Value);

/// <summary>A grain's new state (JSON) and what it produced. Made and stored on the silo that ran the grain; never sent
/// between silos.</summary>
public sealed record GrainUpdate(string State, IReadOnlyList<GrainOutput> Outputs);

/// <summary>
/// The behaviour of one grain type, as the runtime sees it: state in, events in, new state and outputs out.
/// Implementations are pure (no I/O) and deterministic for the same inputs and clock; the Orleans grain around it
/// (<see cref="InboxGrain"/>) owns loading, storing and retries. The runtime knows nothing of DMARC.
/// </summary>
public interface IGrainHandler
{
    /// <summary>A short stable name, part of every grain's identity ("domain", "source-ip"), and the Orleans grain type
    /// of the grain class that runs it.</summary>
    string GrainType { get; }

    /// <summary>How often <see cref="Tick"/> runs for each grain (a grain timer while active; the partition's due scan
    /// wakes the others); null for never.</summary>
    TimeSpan? TickInterval { get; }

    /// <summary>Applies <paramref name="events"/> (in inbox order) to <paramref name="state"/> (null for a new grain).</summary>
    GrainUpdate Apply(string key, string? state, IReadOnlyList<InboxEvent> events, DateTimeOffset now);

    /// <summary>Periodic work (expiries, reassessment, daily baselines); null when nothing changes.</summary>
    GrainUpdate? Tick(string key, string state, DateTimeOffset now);
}

/// <summary>Stores grain outputs inside the transaction that consumes the events and writes the new states, so
/// outputs exist exactly when the state change that produced them does.</summary>
public interface IGrainOutputWriter
{
    Task WriteAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<(string GrainType, string GrainKey, GrainOutput Output)> outputs,
        CancellationToken cancellationToken);
}
