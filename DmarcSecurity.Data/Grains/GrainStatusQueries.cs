namespace DmarcSecurity.Data.Grains;

/// <summary>Reads the inbox lag per partition and the dead-letter count.</summary>
internal sealed class GrainStatusQueries(DatabaseConnections connections, TimeProvider clock) : IGrainStatusQueries
{
    // One pass over the inbox; the (partition, id) index makes it an index-only count where the visibility map allows.
    private const string Lag = "SELECT partition, COUNT(*), MIN(enqueued_at) FROM grain_inbox GROUP BY partition";

    private const string DeadLetterCount = "SELECT COUNT(*) FROM grain_dead_letters";

    public async Task<GrainRuntimeStatus> GetAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await connections.OpenAsync(cancellationToken);
        var partitionCount = await GrainPartitions.ReadAsync(connection, null, cancellationToken) ?? 0;
        var lag = await ReadLagAsync(connection, cancellationToken);
        long deadLetters;
        await using (var count = connection.CreateCommand(null, DeadLetterCount))
        {
            deadLetters = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var partitions = Enumerable.Range(0, partitionCount).Select(p =>
        {
            var (pending, oldest) = lag.TryGetValue(p, out var l) ? l : (0L, (DateTimeOffset?)null);
            return new PartitionStatus(p, pending, oldest, oldest is { } o ? Age(now, o) : null);
        }).ToList();

        var oldestPending = lag.Values.Select(l => l.Oldest).Min();
        return new GrainRuntimeStatus(
            now,
            partitionCount,
            lag.Values.Sum(l => l.Pending),
            oldestPending is { } oldestAt ? Age(now, oldestAt) : null,
            deadLetters,
            partitions);
    }

    private static double Age(DateTimeOffset now, DateTimeOffset then) => Math.Max(0, (now - then).TotalSeconds);

    private static async Task<Dictionary<int, (long Pending, DateTimeOffset? Oldest)>> ReadLagAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var lag = new Dictionary<int, (long, DateTimeOffset?)>();
        await using var command = connection.CreateCommand(null, Lag);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lag[reader.GetInt32(0)] = (reader.GetInt64(1), reader.GetTimestamp(2));
        }

        return lag;
    }
}
