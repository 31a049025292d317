using Npgsql;

namespace DmarcSecurity.Testing;

/// <summary>Which database a provider-parameterised test runs against.</summary>
public enum DbProvider
{
    PostgreSql,
    Sqlite,
}

/// <summary>
/// Gives each test class a database of its own. PostgreSQL comes from the server the test script started,
/// named by <c>DMARC_TEST_POSTGRES</c> (an admin connection string on 127.0.0.1). Without it the tests that need
/// PostgreSQL fail with a message saying how to run them; they never skip.
/// </summary>
public static class TestDatabases
{
    public const string PostgresVariable = "DMARC_TEST_POSTGRES";

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set. Run the tests with ./test.sh, which starts a throwaway PostgreSQL server " +
                "on 127.0.0.1 and sets it (see README.md).");

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateAsync(DbProvider provider)
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        if (provider == DbProvider.Sqlite)
        {
            var dir = Path.Combine(Path.GetTempPath(), "dmarcsecurity-tests");
            Directory.CreateDirectory(dir);
            return $"Data Source={Path.Combine(dir, name + ".db")}";
        }

        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await cmd.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateAsync"/>; errors are swallowed so cleanup never hides a test's result.</summary>
    public static async Task DropAsync(string connectionString)
    {
        try
        {
            if (connectionString.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase))
            {
                var path = connectionString["Data Source=".Length..].Split(';')[0];
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { "", "-wal", "-shm" })
                {
                    File.Delete(path + suffix);
                }

                return;
            }

            var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(AdminConnectionString);
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            await cmd.ExecuteNonQueryAsync();
        }
        catch (Exception)
        {
            // best effort
        }
    }
}
