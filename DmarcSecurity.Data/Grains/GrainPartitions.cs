using Microsoft.Extensions.Options;

namespace DmarcSecurity.Data.Grains;

/// <summary>The partition count P, stored once in the database at first use and read from there by every writer and
/// silo, so a process configured with another value can never put a grain in the wrong partition.</summary>
public sealed class GrainPartitions(IOptions<GrainClusterOptions> options, TimeProvider clock)
{
    private const string Insert =
        "INSERT INTO grain_partitioning (id, partitions, created_at) VALUES (1, @partitions, @now) ON CONFLICT (id) DO NOTHING";

    private const string Select = "SELECT partitions FROM grain_partitioning WHERE id = 1";

    private int _count;

    /// <summary>Reads P, storing the configured value first when there is none. Inside a caller's transaction the
    /// value is only remembered once it was found committed: a rolled-back first insert must not leave this process
    /// with a P nobody stored.</summary>
    public async ValueTask<int> GetAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var known = Volatile.Read(ref _count);
        if (known > 0)
        {
            return known;
        }

        if (await ReadAsync(connection, transaction, cancellationToken) is { } stored)
        {
            Volatile.Write(ref _count, stored);
            return stored;
        }

        await using (var insert = connection.CreateCommand(transaction, Insert))
        {
            insert.AddParameter("@partitions", options.Value.Partitions);
            insert.AddParameter("@now", connection.TimestampValue(clock.GetUtcNow()));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var value = await ReadAsync(connection, transaction, cancellationToken)
            ?? throw new InvalidOperationException("grain_partitioning has no row after inserting one.");
        if (transaction is null)
        {
            Volatile.Write(ref _count, value);
        }

        return value;
    }

    /// <summary>P if it has been stored, without storing it.</summary>
    public static async Task<int?> ReadAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand(transaction, Select);
        return await select.ExecuteScalarAsync(cancellationToken) switch
        {
            null or DBNull => null,
            var value => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
