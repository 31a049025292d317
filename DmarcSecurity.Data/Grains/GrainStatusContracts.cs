namespace DmarcSecurity.Data.Grains;

/// <summary>The grain inbox as GET /api/silo/status shows it. Which silos are alive and where each partition is active
/// is Orleans' business (its membership and grain directory): the silo's /health and its Orleans dashboard show them.</summary>
/// <param name="PartitionCount">P, or 0 while no writer or silo has stored it yet.</param>
/// <param name="PendingEvents">Inbox rows not yet applied, over all partitions.</param>
/// <param name="OldestPendingAgeSeconds">Age of the oldest pending event; null when the inbox is empty.</param>
/// <param name="DeadLetters">Events set aside because their grain could not apply them.</param>
public sealed record GrainRuntimeStatus(
    DateTimeOffset At,
    int PartitionCount,
    long PendingEvents,
    double? OldestPendingAgeSeconds,
    long DeadLetters,
    IReadOnlyList<PartitionStatus> Partitions);

public sealed record PartitionStatus(
    int Partition,
    long PendingEvents,
    DateTimeOffset? OldestEnqueuedAt,
    double? OldestAgeSeconds);

public interface IGrainStatusQueries
{
    Task<GrainRuntimeStatus> GetAsync(CancellationToken cancellationToken);
}
