using System.Data.Common;
using System.Globalization;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>Session advisory locks on one dedicated, unpooled connection: a member lock keyed by the session's pid and
/// one lock per owned partition. When the silo dies its connection closes and every lock goes with it; when its host
/// vanishes without closing it, idle_session_timeout (Grains:LeaseTimeout) ends the session.</summary>
internal sealed class PostgreSqlPartitionLeases(DatabaseConnections connections, IOptions<GrainRuntimeOptions> options)
    : IPartitionLeases, IAsyncDisposable, IDisposable
{
    private NpgsqlConnection? _connection;
    private int _pid;

    public async Task<LeaseSnapshot> HeartbeatAsync(SiloMemberEntity member, DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        member.LeasePid = _pid;
        await SiloMembership.WriteAsync(connection, member, expiredBefore, cancellationToken);

        var silos = new HashSet<int>();
        var held = new HashSet<int>();
        await using var command = connection.CreateCommand(null, GrainAdvisoryLocks.HeldLocksSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt64(0) == GrainAdvisoryLocks.PartitionClass)
            {
                held.Add((int)reader.GetInt64(1));
            }
            else
            {
                silos.Add(reader.GetInt32(2));
            }
        }

        return new LeaseSnapshot(Math.Max(1, silos.Count), held);
    }

    public async Task<bool> TryAcquireAsync(int partition, CancellationToken cancellationToken) =>
        await ScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", GrainAdvisoryLocks.PartitionKey(partition), cancellationToken);

    public async Task ReleaseAsync(int partition, CancellationToken cancellationToken) =>
        await ScalarAsync<bool>("SELECT pg_advisory_unlock(@key)", GrainAdvisoryLocks.PartitionKey(partition), cancellationToken);

    public async Task LeaveAsync(string siloId, CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            await SiloMembership.DeleteAsync(_connection, siloId, cancellationToken);
            await using var unlock = _connection.CreateCommand(null, "SELECT pg_advisory_unlock_all()");
            await unlock.ExecuteNonQueryAsync(cancellationToken);
        }

        await AbandonAsync();
    }

    public async ValueTask AbandonAsync()
    {
        var connection = Interlocked.Exchange(ref _connection, null);
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => AbandonAsync();

    public void Dispose() => Interlocked.Exchange(ref _connection, null)?.Dispose();

    private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = (NpgsqlConnection)await connections.OpenDedicatedAsync(cancellationToken);
        try
        {
            var timeout = (long)options.Value.LeaseTimeout.TotalMilliseconds;
            try
            {
                await using var settings = connection.CreateCommand(null, string.Create(CultureInfo.InvariantCulture, $"SET idle_session_timeout = {timeout}"));
                await settings.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedObject)
            {
                // Before PostgreSQL 14 there is no idle_session_timeout: a vanished host then holds its leases until
                // the server's TCP keepalive notices.
            }

            _pid = connection.ProcessID;
            await using (var member = connection.CreateCommand(null, "SELECT pg_advisory_lock(@key)"))
            {
                member.AddParameter("@key", GrainAdvisoryLocks.MemberKey(_pid));
                await member.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        _connection = connection;
        return connection;
    }

    private async Task<T> ScalarAsync<T>(string sql, long key, CancellationToken cancellationToken)
    {
        var connection = _connection ?? throw new InvalidOperationException("The lease session is not open.");
        await using var command = connection.CreateCommand(null, sql).AddParameter("@key", key);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
