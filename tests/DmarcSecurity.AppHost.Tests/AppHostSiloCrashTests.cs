using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Globalization;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>
/// SIGKILL to the silo while it drains the inbox: the AppHost starts it again, and every uploaded message ends up in
/// its source's grain exactly once (no event lost, none applied twice), with the inbox empty. The silo is killed
/// outright, never frozen first: a frozen silo on SQLite would hold the database's write lock.
/// </summary>
[Collection(SqliteAppHost.Name)]
public sealed class AppHostSiloCrashTests(AppHostFixture apphost)
{
    private const string Domain = "crash.example";
    private const int Sources = 40;
    private const int FilesBeforeKill = 60;
    private const int FilesAfterKill = 20;

    [Fact]
    public async Task A_silo_killed_mid_drain_is_started_again_and_no_event_is_lost()
    {
        var http = apphost.Admin;
        var files = Enumerable.Range(0, FilesBeforeKill + FilesAfterKill).Select(File).ToList();
        var expected = new Dictionary<string, long>();
        foreach (var (ip, count, _) in files.SelectMany(f => f.Records))
        {
            expected[ip] = expected.GetValueOrDefault(ip) + count;
        }

        var silo = SiloProcess();
        // The silo keeps pace with the Api (each stored file wakes it), so it is killed while the upload is still going,
        // at a moment the inbox holds events it has not applied yet.
        var uploading = ApiSession.UploadAsync(http, files.Take(FilesBeforeKill).Select(f => (f.Name, f.Content)));
        System.Text.Json.JsonElement status;
        long pendingAtKill;
        do
        {
            status = await ApiSession.GetAsync(http, "/api/silo/status");
            pendingAtKill = status.GetProperty("pendingEvents").GetInt64();
        }
        while (pendingAtKill == 0 && !uploading.IsCompleted);

        using (var process = Process.GetProcessById(silo))
        {
            process.Kill(); // SIGKILL, mid-drain
        }

        await uploading;
        Assert.True(pendingAtKill > 0, $"the silo had drained the inbox before it was killed: {status}");

        // More reports while no silo runs: they wait in the inbox.
        await ApiSession.UploadAsync(http, files.Skip(FilesBeforeKill).Select(f => (f.Name, f.Content)));

        var notifications = apphost.App.Services.GetRequiredService<ResourceNotificationService>();
        using var restart = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await notifications.WaitForResourceAsync("silo", e => e.Snapshot.State?.Text == KnownResourceStates.Exited || e.Snapshot.State?.Text == KnownResourceStates.Finished, restart.Token);
        await notifications.WaitForResourceHealthyAsync("silo", restart.Token);
        Assert.NotEqual(silo, SiloProcess());

        await ApiSession.WaitForAsync(http, "/api/silo/status", s => s.GetProperty("pendingEvents").GetInt64() == 0, TimeSpan.FromSeconds(45));
        foreach (var (ip, messages) in expected)
        {
            var source = await ApiSession.GetAsync(http, $"/api/sources/{ip}");
            Assert.Equal(FilesBeforeKill + FilesAfterKill, source.GetProperty("recordCount").GetInt64());
            var days = source.GetProperty("state").GetProperty("days").EnumerateArray().ToList();
            Assert.Equal(messages, days.Sum(d => d.GetProperty("messages").GetInt64()));
        }
    }

    /// <summary>The silo itself, not the <c>dotnet run</c> that started it.</summary>
    private int SiloProcess() =>
        apphost.ProcessTree("silo").Single(pid => System.IO.File.ReadAllText($"/proc/{pid}/cmdline").Contains("DmarcSecurity.Grains", StringComparison.Ordinal)
            && !System.IO.File.ReadAllText($"/proc/{pid}/cmdline").Contains("--project", StringComparison.Ordinal));

    /// <summary>Report <paramref name="n"/>: every source once, with counts that differ per file and source; odd
    /// sources fail DMARC.</summary>
    private static (string Name, byte[] Content, List<(string Ip, int Count, bool Pass)> Records) File(int n)
    {
        var records = Enumerable.Range(1, Sources)
            .Select(s => ($"198.18.0.{s}", 1 + ((n * 7) + (s * 13)) % 50, s % 2 == 0))
            .ToList();
        return ($"crash-{n.ToString(CultureInfo.InvariantCulture)}.xml", ApiSession.Report(Domain, $"crash-{n}-{Guid.NewGuid():N}", records), records);
    }
}
