using System.Data.Common;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>A grain's stored state and the version it was read at.</summary>
internal readonly record struct StoredGrain(long Version, string State);

/// <summary>What one grain call wants stored, all or nothing, with other grains' writes in one transaction.</summary>
/// <param name="ExpectedVersion">The version <paramref name="State"/> was computed from; 0 for a grain with no stored
/// state yet (inserted, failing if one appeared meanwhile).</param>
/// <param name="State">The new state; null when the state does not change (events dead-lettered).</param>
/// <param name="Consumed">Inbox rows the write deletes; it fails unless every one is still there.</param>
internal sealed record GrainWrite(
    string GrainType,
    string GrainKey,
    int Partition,
    long ExpectedVersion,
    string? State,
    IReadOnlyList<GrainOutput> Outputs,
    IReadOnlyList<long> Consumed,
    IReadOnlyList<GrainDeadLetterEntity> DeadLetters);

/// <summary>What differs between PostgreSQL and SQLite in the grain runtime. Methods given a transaction run in it;
/// none commits.</summary>
internal interface IGrainStore
{
    /// <summary>Group-commit transactions one silo may run at once.</summary>
    int MaxConcurrentCommits(int configured);

    Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> of the partition's oldest events of the given grain types, in id order,
    /// without taking them: they are deleted by the write that applies them.</summary>
    Task<List<InboxEvent>> PeekAsync(DbConnection connection, int partition, string[] grainTypes, int limit, CancellationToken cancellationToken);

    /// <summary>Adds the stored states of those of <paramref name="keys"/> that have one to <paramref name="into"/>.</summary>
    Task LoadAsync(DbConnection connection, string grainType, IReadOnlyList<string> keys, Dictionary<string, StoredGrain> into, CancellationToken cancellationToken);

    /// <summary>Deletes the consumed inbox rows and stores the states (version ExpectedVersion + 1). Returns the
    /// indexes of the writes that failed: an inbox row already gone (another activation applied it) or a version that
    /// moved on. When any failed the caller must roll back: the others' changes are in the same transaction.</summary>
    Task<HashSet<int>> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<GrainWrite> writes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> keys of stored grains of the partition and type last written at or
    /// before <paramref name="writtenBefore"/>, oldest first.</summary>
    Task<List<string>> DueAsync(DbConnection connection, int partition, string grainType, DateTimeOffset writtenBefore, int limit, CancellationToken cancellationToken);
}
