using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>What a heartbeat learns: how many silos share the partitions, and which partitions some silo holds.</summary>
internal sealed record LeaseSnapshot(int LiveSilos, IReadOnlySet<int> HeldPartitions);

/// <summary>Partition ownership and membership for one silo. Ownership only decides who does the work: correctness
/// comes from the consume transaction and the versioned state writes, never from these leases.</summary>
internal interface IPartitionLeases
{
    /// <summary>Writes the silo's heartbeat row (connecting first if needed), deletes rows that expired before
    /// <paramref name="expiredBefore"/>, and reads who holds what. Throws when the lease session is lost.</summary>
    Task<LeaseSnapshot> HeartbeatAsync(SiloMemberEntity member, DateTimeOffset expiredBefore, CancellationToken cancellationToken);

    Task<bool> TryAcquireAsync(int partition, CancellationToken cancellationToken);

    Task ReleaseAsync(int partition, CancellationToken cancellationToken);

    /// <summary>Graceful exit: deletes the heartbeat row and releases every lease.</summary>
    Task LeaveAsync(string siloId, CancellationToken cancellationToken);

    /// <summary>Drops the lease session without any cleanup (after an error, or to simulate a crash in tests):
    /// on PostgreSQL closing the session releases its locks.</summary>
    ValueTask AbandonAsync();
}
