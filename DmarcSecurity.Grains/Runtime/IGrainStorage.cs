using System.Data.Common;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>A grain's stored state and the version it was read at.</summary>
internal readonly record struct StoredGrain(long Version, string State);

/// <summary>A new state to store. <paramref name="ExpectedVersion"/> is the version it was computed from; 0 for a
/// grain with no stored state yet (inserted, failing if one appeared meanwhile).</summary>
internal readonly record struct GrainWrite(string GrainType, string GrainKey, long ExpectedVersion, string State);

/// <summary>What differs between PostgreSQL and SQLite in the consume path. Every method runs in the caller's
/// transaction; none commits.</summary>
internal interface IGrainStorage
{
    /// <summary>Batches one silo may run at once.</summary>
    int MaxConcurrentBatches(int configured);

    Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Deletes and returns up to <paramref name="limit"/> of the partition's oldest events of the given
    /// grain types, in id order, skipping rows another transaction holds. The delete is undone if the transaction is.</summary>
    Task<List<InboxEvent>> TakeAsync(DbConnection connection, DbTransaction transaction, int partition, string[] grainTypes, int limit, CancellationToken cancellationToken);

    /// <summary>Adds the stored states of those of <paramref name="keys"/> that have one to <paramref name="into"/>.</summary>
    Task LoadAsync(DbConnection connection, DbTransaction transaction, string grainType, IReadOnlyList<string> keys, Dictionary<string, StoredGrain> into, CancellationToken cancellationToken);

    /// <summary>Stores each state as version ExpectedVersion + 1; throws <see cref="GrainVersionConflictException"/>
    /// unless every write found its expected version (or, for new grains, no row).</summary>
    Task WriteAsync(DbConnection connection, DbTransaction transaction, int partition, IReadOnlyList<GrainWrite> writes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> stored grains of the partition and type last written at or before
    /// <paramref name="writtenBefore"/>, oldest first: grains whose periodic work is due though they are not in memory.</summary>
    Task<List<(string Key, StoredGrain Grain)>> DueAsync(DbConnection connection, int partition, string grainType, DateTimeOffset writtenBefore, int limit, CancellationToken cancellationToken);

    /// <summary>Those of <paramref name="partitions"/> with inbox rows of the given grain types.</summary>
    Task<List<int>> PartitionsWithWorkAsync(DbConnection connection, int[] partitions, string[] grainTypes, CancellationToken cancellationToken);
}
