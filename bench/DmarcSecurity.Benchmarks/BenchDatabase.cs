using System.Globalization;
using Npgsql;

namespace DmarcSecurity.Benchmarks;

/// <summary>A fresh database on the benchmark's PostgreSQL server (DMARC_TEST_POSTGRES), left behind for inspection:
/// the server itself is thrown away when bench/run.sh ends.</summary>
internal static class BenchDatabase
{
    /// <summary>Creates <c>bench_&lt;prefix&gt;_&lt;time&gt;_&lt;random&gt;</c> and returns its connection string.</summary>
    public static async Task<string> CreateAsync(string admin, string prefix)
    {
        var database = $"bench_{prefix}_{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}_{Guid.NewGuid().ToString("N")[..6]}";
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
    }
}
