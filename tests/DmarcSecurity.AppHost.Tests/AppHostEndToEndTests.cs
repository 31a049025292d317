using System.Net;
using System.Net.Http.Json;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>The built AppHost as a process in SQLite mode: all resources healthy, the first Admin signs in with the
/// printed one-time password, SIGTERM stops every child it started.</summary>
public sealed class AppHostEndToEndTests
{
    internal static readonly TimeSpan Startup = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Starts_every_resource_healthy_and_SIGTERM_leaves_no_child_behind()
    {
        using var apphost = AppHostProcess.Start();

        var table = await apphost.WaitForTableAsync(AllHealthy, Startup);

        Assert.Equal(["api", "silo", "web"], table.Select(r => r.Name));
        using var http = new HttpClient { BaseAddress = table.Single(r => r.Name == "api").Url };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email = "admin@localhost", password = apphost.OneTimePassword });
        Assert.True(login.StatusCode == HttpStatusCode.OK, $"{login.StatusCode}: {await login.Content.ReadAsStringAsync()}");
        await AssertStopsCleanlyAsync(apphost);
    }

    internal static bool AllHealthy(IReadOnlyList<ResourceRow> table) => table.All(r => r.State == "Healthy");

    internal static async Task AssertStopsCleanlyAsync(AppHostProcess apphost)
    {
        var pids = apphost.ReportedPids;
        Assert.NotEmpty(pids);

        Assert.Equal(0, await apphost.TerminateAsync(TimeSpan.FromSeconds(20)));

        // An orphan would be re-parented and reaped by init; give that a moment before calling a PID alive.
        for (var attempt = 0; attempt < 50 && pids.Any(AppHostProcess.IsAlive); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.True(!pids.Any(AppHostProcess.IsAlive), $"Still running: {string.Join(", ", pids.Where(AppHostProcess.IsAlive))}{Environment.NewLine}{apphost.Output}");
    }
}

/// <summary>A silo killed with SIGKILL is restarted by the AppHost (a new PID, healthy again) while the other stays.</summary>
public sealed class AppHostRestartTests
{
    [Fact]
    public async Task A_killed_silo_is_restarted()
    {
        using var apphost = AppHostProcess.Start("--replicas", "silo=2");
        var table = await apphost.WaitForTableAsync(AppHostEndToEndTests.AllHealthy, AppHostEndToEndTests.Startup);
        Assert.Equal(["api", "silo-1", "silo-2", "web"], table.Select(r => r.Name));
        var killed = table.Single(r => r.Name == "silo-1").Pid!.Value;
        var other = table.Single(r => r.Name == "silo-2").Pid!.Value;

        using (var silo = System.Diagnostics.Process.GetProcessById(killed))
        {
            silo.Kill(); // SIGKILL
        }

        var after = await apphost.WaitForTableAsync(
            t => AppHostEndToEndTests.AllHealthy(t) && t.Single(r => r.Name == "silo-1").Pid != killed,
            TimeSpan.FromSeconds(30));
        Assert.Equal(other, after.Single(r => r.Name == "silo-2").Pid);
        Assert.Contains($"silo-1 (pid {killed}) exited unexpectedly", apphost.Output, StringComparison.Ordinal);
        await AppHostEndToEndTests.AssertStopsCleanlyAsync(apphost);
    }
}

/// <summary>The AppHost with <c>--postgres</c>: its own PostgreSQL server in the data folder, shown in the table, the
/// services on it, and nothing of it left running after SIGTERM.</summary>
public sealed class AppHostPostgresTests
{
    [Fact]
    public async Task Starts_a_throwaway_postgres_and_SIGTERM_stops_it_with_every_child()
    {
        using var apphost = AppHostProcess.Start("--postgres");

        var table = await apphost.WaitForTableAsync(AppHostEndToEndTests.AllHealthy, AppHostEndToEndTests.Startup);

        Assert.Equal(["postgres", "api", "silo", "web"], table.Select(r => r.Name));
        var server = table.Single(r => r.Name == "postgres");
        Assert.Equal("postgresql", server.Url.Scheme);
        Assert.Equal("127.0.0.1", server.Url.Host);
        var cluster = Path.Combine(apphost.DataDirectory, "postgres");
        var postmasterPid = Path.Combine(cluster, "postmaster.pid");
        Assert.Equal(server.Pid, int.Parse(File.ReadLines(postmasterPid).First(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(File.Exists(Path.Combine(apphost.DataDirectory, "dmarcsecurity.db")), "SQLite was used");

        using var http = new HttpClient { BaseAddress = table.Single(r => r.Name == "api").Url };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email = "admin@localhost", password = apphost.OneTimePassword });
        Assert.True(login.StatusCode == HttpStatusCode.OK, $"{login.StatusCode}: {await login.Content.ReadAsStringAsync()}");

        await AppHostEndToEndTests.AssertStopsCleanlyAsync(apphost);
        Assert.False(File.Exists(postmasterPid), $"postmaster.pid is still there{Environment.NewLine}{apphost.Output}");
        Assert.False(AppHostProcess.IsAlive(server.Pid!.Value), $"postgres (pid {server.Pid}) is still running");
    }
}
