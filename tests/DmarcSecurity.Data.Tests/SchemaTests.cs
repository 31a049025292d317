using System.Data.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Schema;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Data.Tests;

public abstract class SchemaTests(DbProvider provider)
{
    [Fact]
    public async Task Migrating_twice_applies_each_script_once()
    {
        await using var database = await FreshDatabase.CreateAsync(provider);
        var migrator = database.Services.GetRequiredService<SchemaMigrator>();
        var expected = SchemaMigrator.Scripts(ToDataProvider(provider)).Count;

        var first = await migrator.MigrateAsync(CancellationToken.None);
        var second = await migrator.MigrateAsync(CancellationToken.None);

        Assert.True(expected >= 1);
        Assert.Equal(expected, first);
        Assert.Equal(0, second);
        Assert.Equal(expected, await database.ScalarAsync<long>("SELECT COUNT(*) FROM schema_versions"));
    }

    [Fact]
    public async Task Concurrent_migrations_of_a_fresh_database_all_succeed_and_apply_the_schema_once()
    {
        await using var database = await FreshDatabase.CreateAsync(provider);
        var instances = Enumerable.Range(0, 6).Select(_ => DataFixture.BuildServices(database.ConnectionString)).ToList();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runs = instances.Select(async services =>
            {
                await start.Task;
                return await services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
            }).ToList();

            start.SetResult();
            var applied = await Task.WhenAll(runs);

            var expected = SchemaMigrator.Scripts(ToDataProvider(provider)).Count;
            Assert.Equal(expected, applied.Sum());
            Assert.Equal(instances.Count - 1, applied.Count(a => a == 0));
            Assert.Equal(expected, await database.ScalarAsync<long>("SELECT COUNT(*) FROM schema_versions"));
            Assert.Equal(0, await database.ScalarAsync<long>("SELECT COUNT(*) FROM reports"));
        }
        finally
        {
            foreach (var services in instances)
            {
                await services.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Migrated_schema_has_every_table_and_column_of_the_model_with_matching_type_and_nullability()
    {
        await using var database = await FreshDatabase.CreateAsync(provider);
        await database.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        var actual = await database.ColumnsAsync();
        await using var context = database.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();

        var expected = context.Model.GetEntityTypes()
            .SelectMany(entity =>
            {
                var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
                return entity.GetProperties().Select(p => new Column(
                    table.Name, p.GetColumnName(table)!, p.GetColumnType().ToLowerInvariant(), p.IsColumnNullable(table)));
            })
            .OrderBy(c => c.Table).ThenBy(c => c.Name)
            .ToList();

        Assert.NotEmpty(expected);
        foreach (var column in expected)
        {
            Assert.Contains(column, actual);
        }

        // And no table the model does not know, apart from the migrator's own.
        var modelTables = expected.Select(c => c.Table).ToHashSet();
        Assert.Equal(["schema_versions"], actual.Select(c => c.Table).Where(t => !modelTables.Contains(t)).Distinct().ToList());
    }

    internal static DatabaseProvider ToDataProvider(DbProvider provider) =>
        provider == DbProvider.PostgreSql ? DatabaseProvider.PostgreSql : DatabaseProvider.Sqlite;
}

public sealed class SchemaTestsOnPostgreSql() : SchemaTests(DbProvider.PostgreSql)
{
    [Fact]
    public async Task Grain_states_are_compressed_with_lz4()
    {
        await using var database = await FreshDatabase.CreateAsync(DbProvider.PostgreSql);
        await database.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);

        Assert.Equal("l", await database.ScalarAsync<string>(
            "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'grain_states'::regclass AND attname = 'state'"));
    }
}

public sealed class SchemaTestsOnSqlite() : SchemaTests(DbProvider.Sqlite)
{
    [Fact]
    public async Task Migrated_sqlite_database_is_in_wal_mode()
    {
        await using var database = await FreshDatabase.CreateAsync(DbProvider.Sqlite);
        await database.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);

        Assert.Equal("wal", await database.ScalarAsync<string>("PRAGMA journal_mode"));
    }
}

internal sealed record Column(string Table, string Name, string Type, bool Nullable);

/// <summary>An empty database (not migrated) for tests of the migrator itself.</summary>
internal sealed class FreshDatabase : IAsyncDisposable
{
    private FreshDatabase(DbProvider provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Services = DataFixture.BuildServices(connectionString);
    }

    public DbProvider Provider { get; }

    public string ConnectionString { get; }

    public ServiceProvider Services { get; }

    public static async Task<FreshDatabase> CreateAsync(DbProvider provider) => new(provider, await TestDatabases.CreateAsync(provider));

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var context = Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
        var connection = context.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<Column>> ColumnsAsync()
    {
        await using var context = Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
        var connection = context.Database.GetDbConnection();
        await connection.OpenAsync();
        var sql = Provider == DbProvider.PostgreSql
            ? "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull " +
              "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
              "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
            : "SELECT t.name, c.name, lower(c.type), c.\"notnull\" = 0 AND c.pk = 0 " +
              "FROM sqlite_schema t JOIN pragma_table_info(t.name) c WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'";
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var columns = new List<Column>();
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(new Column(reader.GetString(0), reader.GetString(1), reader.GetString(2), Convert.ToBoolean(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return columns;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await TestDatabases.DropAsync(ConnectionString);
    }
}
