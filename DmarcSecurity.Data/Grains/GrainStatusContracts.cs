namespace DmarcSecurity.Data.Grains;

/// <summary>The grain runtime as GET /api/silo/status shows it.</summary>
/// <param name="PartitionCount">P, or 0 while no writer or silo has stored it yet.</param>
/// <param name="PendingEvents">Inbox rows not yet applied, over all partitions.</param>
/// <param name="OldestPendingAgeSeconds">Age of the oldest pending event; null when the inbox is empty.</param>
/// <param name="EventsPerSecond">Sum over the live silos, as of their last heartbeats.</param>
public sealed record GrainRuntimeStatus(
    DateTimeOffset At,
    int PartitionCount,
    long PendingEvents,
    double? OldestPendingAgeSeconds,
    double EventsPerSecond,
    IReadOnlyList<SiloStatus> Silos,
    IReadOnlyList<PartitionStatus> Partitions);

/// <param name="Alive">Heartbeat within Grains:MemberExpiry and, on PostgreSQL, the silo's lease connection still open.</param>
public sealed record SiloStatus(
    string SiloId,
    string HostName,
    int ProcessId,
    DateTimeOffset StartedAt,
    DateTimeOffset HeartbeatAt,
    bool Alive,
    int OwnedPartitions,
    int ActiveGrains,
    long EventsProcessed,
    double EventsPerSecond);

/// <param name="OwnerSiloId">The silo holding the partition's lease, or null when none does.</param>
public sealed record PartitionStatus(
    int Partition,
    string? OwnerSiloId,
    long PendingEvents,
    DateTimeOffset? OldestEnqueuedAt,
    double? OldestAgeSeconds);

public interface IGrainStatusQueries
{
    Task<GrainRuntimeStatus> GetAsync(CancellationToken cancellationToken);
}
