using Microsoft.Extensions.DependencyInjection;
namespace DmarcSecurity.AppHost.Tests;

/// <summary>The AppHost with <c>--postgres</c>: PostgreSQL and Redis of the machine's installed servers as its
/// resources, the cluster's files in the data folder, the silo in a Redis-backed Orleans cluster; and once the AppHost
/// stops, no process of the app is left.</summary>
public sealed class AppHostPostgresTests
{
    private sealed class PostgresAppHost() : AppHostFixture(["--postgres"]);

    [Fact]
    public async Task Runs_on_the_installed_PostgreSQL_and_Redis_and_leaves_no_process_behind()
    {
        var apphost = new PostgresAppHost();
        List<int> pids;
        try
        {
            await apphost.InitializeAsync();
            var notifications = apphost.App.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.WaitForResourceHealthyAsync("postgres");
            await notifications.WaitForResourceHealthyAsync("cache");

            var connection = await apphost.App.GetConnectionStringAsync("dmarcdb");
            Assert.Matches(@"^Host=127\.0\.0\.1;Port=\d+;Database=dmarcdb;Username=postgres$", connection);
            Assert.True(File.Exists(Path.Combine(apphost.DataDirectory, "postgres", "PG_VERSION")), "the cluster is not in the data folder");
            Assert.False(File.Exists(Path.Combine(apphost.DataDirectory, "dmarcsecurity.db")), "SQLite was used");
            Assert.Matches(@"^127\.0\.0\.1:\d+$", await apphost.App.GetConnectionStringAsync("cache"));

            // The upload's events reach the silo through PostgreSQL; the silo is in the Redis-backed cluster.
            const string hostile = "203.0.113.77";
            await ApiSession.UploadAsync(apphost.Admin, [("pg.xml", ApiSession.Report("postgres.example", $"pg-{Guid.NewGuid():N}", [(hostile, 5000, false)]))]);
            await ApiSession.WaitForAsync(apphost.Admin, $"/api/decisions?ip={hostile}", json => json.GetProperty("items").GetArrayLength() > 0, TimeSpan.FromSeconds(30));
            using var http = new HttpClient();
            var silo = await http.GetStringAsync(new Uri(apphost.App.GetEndpoint("silo", "http"), "/health"));
            Assert.Contains("\"activeSilos\":1", silo, StringComparison.Ordinal);

            pids = [.. new[] { "postgres", "cache", "api", "silo", "web" }.SelectMany(apphost.ProcessTree)];
            Assert.True(pids.Count >= 8, $"too few processes found: {string.Join(", ", pids)}");
        }
        finally
        {
            await apphost.DisposeAsync();
        }

        for (var attempt = 0; attempt < 300 && pids.Any(AppHostFixture.IsAlive); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.True(!pids.Any(AppHostFixture.IsAlive), $"Still running: {string.Join(", ", pids.Where(AppHostFixture.IsAlive).Select(p => $"{p} {File.ReadAllText($"/proc/{p}/cmdline").Replace('\0', ' ')}"))}");
    }
}
