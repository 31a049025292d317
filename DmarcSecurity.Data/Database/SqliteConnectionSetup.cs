using Microsoft.EntityFrameworkCore.Diagnostics;

namespace DmarcSecurity.Data.Database;

/// <summary>Per-connection SQLite settings. busy_timeout lets SQLite wait for a writer with fine-grained retries
/// (the driver's own retry sleeps 150 ms); synchronous=NORMAL is durable in WAL mode except on power loss and
/// avoids an fsync per commit.</summary>
internal sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    internal const string Pragmas = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";

    public static SqliteConnectionSetup Instance { get; } = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
