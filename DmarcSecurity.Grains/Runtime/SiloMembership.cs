using System.Data.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>The heartbeat row SQL, the same on both providers.</summary>
internal static class SiloMembership
{
    private const string Beat =
        "INSERT INTO silo_members (silo_id, host_name, process_id, lease_pid, started_at, heartbeat_at, owned_partitions, " +
        "active_grains, events_processed, events_per_second) VALUES (@silo_id, @host_name, @process_id, @lease_pid, @started_at, " +
        "@heartbeat_at, @owned_partitions, @active_grains, @events_processed, @events_per_second) " +
        "ON CONFLICT (silo_id) DO UPDATE SET lease_pid = excluded.lease_pid, heartbeat_at = excluded.heartbeat_at, " +
        "owned_partitions = excluded.owned_partitions, active_grains = excluded.active_grains, " +
        "events_processed = excluded.events_processed, events_per_second = excluded.events_per_second; " +
        "DELETE FROM silo_members WHERE heartbeat_at < @expired AND silo_id <> @silo_id";

    private const string Delete = "DELETE FROM silo_members WHERE silo_id = @silo_id";

    public static async Task WriteAsync(DbConnection connection, SiloMemberEntity member, DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(null, Beat)
            .AddParameter("@silo_id", member.SiloId)
            .AddParameter("@host_name", member.HostName)
            .AddParameter("@process_id", member.ProcessId)
            .AddParameter("@lease_pid", member.LeasePid)
            .AddParameter("@started_at", connection.TimestampValue(member.StartedAt))
            .AddParameter("@heartbeat_at", connection.TimestampValue(member.HeartbeatAt))
            .AddParameter("@owned_partitions", member.OwnedPartitions)
            .AddParameter("@active_grains", member.ActiveGrains)
            .AddParameter("@events_processed", member.EventsProcessed)
            .AddParameter("@events_per_second", member.EventsPerSecond)
            .AddParameter("@expired", connection.TimestampValue(expiredBefore));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task DeleteAsync(DbConnection connection, string siloId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(null, Delete).AddParameter("@silo_id", siloId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
