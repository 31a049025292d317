using Microsoft.Extensions.Options;

namespace DmarcSecurity.Data.Grains;

/// <summary>Reads silo membership, partition owners and inbox lag. On PostgreSQL owners are the advisory locks
/// themselves (pg_locks), not a table a dead silo could leave stale; on SQLite one live silo owns every partition.</summary>
internal sealed class GrainStatusQueries(DatabaseConnections connections, IOptions<GrainClusterOptions> options, TimeProvider clock) : IGrainStatusQueries
{
    private const string Members =
        "SELECT silo_id, host_name, process_id, lease_pid, started_at, heartbeat_at, owned_partitions, active_grains, " +
        "events_processed, events_per_second FROM silo_members ORDER BY started_at, silo_id";

    // One pass over the inbox; the (partition, id) index makes it an index-only count where the visibility map allows.
    private const string Lag = "SELECT partition, COUNT(*), MIN(enqueued_at) FROM grain_inbox GROUP BY partition";

    public async Task<GrainRuntimeStatus> GetAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await connections.OpenAsync(cancellationToken);
        var partitionCount = await GrainPartitions.ReadAsync(connection, null, cancellationToken) ?? 0;
        var members = await ReadMembersAsync(connection, cancellationToken);
        var lag = await ReadLagAsync(connection, cancellationToken);

        var expiry = now - options.Value.MemberExpiry;
        var owners = new Dictionary<int, string>();
        HashSet<string> alive;
        if (connections.Provider == DatabaseProvider.PostgreSql)
        {
            var (partitionPids, memberPids) = await ReadLocksAsync(connection, cancellationToken);
            // A backend pid can be reused after a silo dies: the freshest row claiming a pid is the one holding it.
            var byPid = members.Where(m => m.LeasePid is not null)
                .GroupBy(m => m.LeasePid!.Value)
                .ToDictionary(g => g.Key, g => g.MaxBy(m => m.HeartbeatAt)!.SiloId);
            alive = members.Where(m => m.HeartbeatAt >= expiry && m.LeasePid is { } pid && memberPids.Contains(pid) && byPid[pid] == m.SiloId)
                .Select(m => m.SiloId).ToHashSet();
            foreach (var (partition, pid) in partitionPids)
            {
                if (byPid.TryGetValue(pid, out var silo))
                {
                    owners[partition] = silo;
                }
            }
        }
        else
        {
            alive = members.Where(m => m.HeartbeatAt >= expiry).Select(m => m.SiloId).ToHashSet();
            if (members.Where(m => alive.Contains(m.SiloId)).MaxBy(m => m.HeartbeatAt) is { } owner)
            {
                for (var p = 0; p < partitionCount; p++)
                {
                    owners[p] = owner.SiloId;
                }
            }
        }

        var silos = members.Select(m => new SiloStatus(
            m.SiloId, m.HostName, m.ProcessId, m.StartedAt, m.HeartbeatAt, alive.Contains(m.SiloId),
            m.OwnedPartitions, m.ActiveGrains, m.EventsProcessed, m.EventsPerSecond)).ToList();

        var partitions = Enumerable.Range(0, partitionCount).Select(p =>
        {
            var (pending, oldest) = lag.TryGetValue(p, out var l) ? l : (0L, (DateTimeOffset?)null);
            return new PartitionStatus(p, owners.GetValueOrDefault(p), pending, oldest, oldest is { } o ? Age(now, o) : null);
        }).ToList();

        var oldestPending = lag.Values.Select(l => l.Oldest).Min();
        return new GrainRuntimeStatus(
            now,
            partitionCount,
            lag.Values.Sum(l => l.Pending),
            oldestPending is { } oldestAt ? Age(now, oldestAt) : null,
            silos.Where(s => s.Alive).Sum(s => s.EventsPerSecond),
            silos,
            partitions);
    }

    private static double Age(DateTimeOffset now, DateTimeOffset then) => Math.Max(0, (now - then).TotalSeconds);

    private static async Task<List<SiloMemberEntity>> ReadMembersAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var members = new List<SiloMemberEntity>();
        await using var command = connection.CreateCommand(null, Members);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            members.Add(new SiloMemberEntity
            {
                SiloId = reader.GetString(0),
                HostName = reader.GetString(1),
                ProcessId = reader.GetInt32(2),
                LeasePid = reader.IsDBNull(3) ? null : reader.GetInt32(3),
                StartedAt = reader.GetTimestamp(4),
                HeartbeatAt = reader.GetTimestamp(5),
                OwnedPartitions = reader.GetInt32(6),
                ActiveGrains = reader.GetInt32(7),
                EventsProcessed = reader.GetInt64(8),
                EventsPerSecond = reader.GetDouble(9),
            });
        }

        return members;
    }

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

    private static async Task<(List<(int Partition, int Pid)> Partitions, HashSet<int> MemberPids)> ReadLocksAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var partitions = new List<(int, int)>();
        var members = new HashSet<int>();
        await using var command = connection.CreateCommand(null, GrainAdvisoryLocks.HeldLocksSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var objid = (int)reader.GetInt64(1);
            var pid = reader.GetInt32(2);
            if (reader.GetInt64(0) == GrainAdvisoryLocks.PartitionClass)
            {
                partitions.Add((objid, pid));
            }
            else
            {
                members.Add(pid);
            }
        }

        return (partitions, members);
    }
}
