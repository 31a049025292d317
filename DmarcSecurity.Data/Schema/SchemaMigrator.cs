using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DmarcSecurity.Data.Schema;

/// <summary>A numbered SQL script embedded in this assembly (Schema/&lt;Provider&gt;/NNNN_name.sql).</summary>
public sealed record SchemaScript(int Version, string Name, string Sql);

/// <summary>Applies the provider's numbered scripts in order, each once, recording them in schema_versions.
/// Safe to run from several processes at once: PostgreSQL serialises on a session advisory lock,
/// SQLite on the write lock of BEGIN IMMEDIATE.</summary>
public sealed partial class SchemaMigrator
{
    // Advisory lock keys are shared by everything on the database (the grain runtime uses them too):
    // this one is "DMARCMIG" in ASCII.
    private const long AdvisoryLockKey = 0x444D_4152_434D_4947;

    private readonly IDbContextFactory<DmarcDbContext> _contextFactory;
    private readonly ILogger<SchemaMigrator> _logger;

    public SchemaMigrator(IDbContextFactory<DmarcDbContext> contextFactory, ILogger<SchemaMigrator> logger)
    {
        _contextFactory = contextFactory;
        _logger = logger;
    }

    /// <summary>Applies the scripts not yet applied; returns how many this call applied.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var context = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var provider = context.Provider;
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return provider == DatabaseProvider.PostgreSql
                ? await MigratePostgreSqlAsync((NpgsqlConnection)connection, cancellationToken)
                : await MigrateSqliteAsync((SqliteConnection)connection, cancellationToken);
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    public static IReadOnlyList<SchemaScript> Scripts(DatabaseProvider provider)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"{typeof(SchemaMigrator).Namespace}.{provider}.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Load(assembly, n, n[prefix.Length..^".sql".Length]))
            .OrderBy(s => s.Version)
            .ToList();
    }

    private async Task<int> MigratePostgreSqlAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Session-level lock on this one connection: a second instance starting at the same moment waits here,
        // then finds the scripts applied.
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, null,
                "CREATE TABLE IF NOT EXISTS schema_versions (version integer NOT NULL PRIMARY KEY, name text NOT NULL, " +
                "applied_at timestamp with time zone NOT NULL DEFAULT now())",
                cancellationToken);
            var applied = 0;
            foreach (var script in await PendingAsync(connection, null, DatabaseProvider.PostgreSql, cancellationToken))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ApplyAsync(connection, transaction, script, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                applied++;
            }

            return applied;
        }
        finally
        {
            // Not cancellable: the lock must be released even when start-up is being cancelled.
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private async Task<int> MigrateSqliteAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // WAL lets readers run while a report is being written; the mode is stored in the database file.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL", cancellationToken);

        // BEGIN IMMEDIATE (deferred: false) takes the write lock before schema_versions is read, so two
        // processes cannot both decide a script is pending.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await ExecuteAsync(connection, transaction,
            "CREATE TABLE IF NOT EXISTS schema_versions (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, " +
            "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
            cancellationToken);
        var pending = await PendingAsync(connection, transaction, DatabaseProvider.Sqlite, cancellationToken);
        foreach (var script in pending)
        {
            await ApplyAsync(connection, transaction, script, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return pending.Count;
    }

    private static async Task<List<SchemaScript>> PendingAsync(DbConnection connection, DbTransaction? transaction, DatabaseProvider provider, CancellationToken cancellationToken)
    {
        var applied = new HashSet<int>();
        await using (var command = Command(connection, transaction, "SELECT version FROM schema_versions"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        return Scripts(provider).Where(s => !applied.Contains(s.Version)).ToList();
    }

    private async Task ApplyAsync(DbConnection connection, DbTransaction transaction, SchemaScript script, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, script.Sql, cancellationToken);
        await using var record = Command(connection, transaction, "INSERT INTO schema_versions (version, name) VALUES (@version, @name)");
        AddParameter(record, "@version", script.Version);
        AddParameter(record, "@name", script.Name);
        await record.ExecuteNonQueryAsync(cancellationToken);
        LogApplied(_logger, script.Version, script.Name);
    }

    private static SchemaScript Load(Assembly assembly, string resource, string fileName)
    {
        var underscore = fileName.IndexOf('_');
        if (underscore <= 0 || !int.TryParse(fileName[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new InvalidOperationException($"Schema script '{resource}' is not named NNNN_name.sql.");
        }

        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new SchemaScript(version, fileName[(underscore + 1)..], reader.ReadToEnd());
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied schema script {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}
