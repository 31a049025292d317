using Microsoft.Data.Sqlite;
using Npgsql;

namespace DmarcSecurity.Data.Database;

/// <summary>Plain ADO.NET connections to the configured database, for code that does not go through EF Core
/// (the grain runtime's hot path, its leases and the inbox writer's callers outside a DbContext).</summary>
public sealed class DatabaseConnections : IAsyncDisposable, IDisposable
{
    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _dataSource;

    public DatabaseConnections(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = connectionString;
        Provider = DataServiceCollectionExtensions.DetectProvider(connectionString);
        if (Provider == DatabaseProvider.PostgreSql)
        {
            _dataSource = NpgsqlDataSource.Create(connectionString);
        }
    }

    public DatabaseProvider Provider { get; }

    /// <summary>Opens a pooled connection; on SQLite with the same per-connection settings EF Core's connections get.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand(null, SqliteConnectionSetup.Pragmas);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a connection outside the pool: disposing it ends the server session, and with it every
    /// session-level advisory lock the session holds. A pooled connection would keep them while it sits idle in the pool.</summary>
    public async Task<DbConnection> OpenDedicatedAsync(CancellationToken cancellationToken)
    {
        if (_dataSource is null)
        {
            return await OpenAsync(cancellationToken);
        }

        var builder = new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Dispose() => _dataSource?.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
