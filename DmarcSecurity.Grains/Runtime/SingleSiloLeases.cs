using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>SQLite: one process owns every partition, with no locks. The heartbeat row is still written so the
/// status query can show the silo.</summary>
internal sealed class SingleSiloLeases(DatabaseConnections connections) : IPartitionLeases
{
    private static readonly IReadOnlySet<int> s_none = new HashSet<int>();

    public async Task<LeaseSnapshot> HeartbeatAsync(SiloMemberEntity member, DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        member.LeasePid = null;
        await SiloMembership.WriteAsync(connection, member, expiredBefore, cancellationToken);
        return new LeaseSnapshot(1, s_none);
    }

    public Task<bool> TryAcquireAsync(int partition, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task ReleaseAsync(int partition, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task LeaveAsync(string siloId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await SiloMembership.DeleteAsync(connection, siloId, cancellationToken);
    }

    public ValueTask AbandonAsync() => ValueTask.CompletedTask;
}
