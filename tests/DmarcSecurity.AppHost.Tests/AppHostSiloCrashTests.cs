using System.Diagnostics;
using System.Globalization;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>
/// SIGKILL to the silo while it drains the inbox: the AppHost restarts it, and every uploaded message ends up in its
/// source's grain exactly once (no event lost, none applied twice), with the inbox empty.
/// </summary>
public sealed class AppHostSiloCrashTests
{
    private const string Domain = "crash.example";
    private const int Sources = 40;
    private const int FilesBeforeKill = 60;
    private const int FilesAfterKill = 20;

    [Fact]
    public async Task A_silo_killed_mid_drain_is_restarted_and_no_event_is_lost()
    {
        using var apphost = AppHostProcess.Start();
        var table = await apphost.WaitForTableAsync(AppHostEndToEndTests.AllHealthy, AppHostEndToEndTests.Startup);
        using var http = await ApiSession.SignInAsync(table.Single(r => r.Name == "api").Url, "admin@localhost", apphost.OneTimePassword);

        var files = Enumerable.Range(0, FilesBeforeKill + FilesAfterKill).Select(File).ToList();
        var expected = new Dictionary<string, long>();
        foreach (var (ip, count, _) in files.SelectMany(f => f.Records))
        {
            expected[ip] = expected.GetValueOrDefault(ip) + count;
        }

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

        var killed = table.Single(r => r.Name == "silo").Pid!.Value;
        using (var silo = Process.GetProcessById(killed))
        {
            silo.Kill(); // SIGKILL, mid-drain
        }

        await uploading;
        Assert.True(pendingAtKill > 0, $"the silo had drained the inbox before it was killed: {status}");

        // More reports while no silo runs: they wait in the inbox.
        await ApiSession.UploadAsync(http, files.Skip(FilesBeforeKill).Select(f => (f.Name, f.Content)));
        await apphost.WaitForTableAsync(
            t => AppHostEndToEndTests.AllHealthy(t) && t.Single(r => r.Name == "silo").Pid != killed, TimeSpan.FromSeconds(30));
        Assert.Contains($"silo (pid {killed}) exited unexpectedly", apphost.Output, StringComparison.Ordinal);

        await ApiSession.WaitForAsync(http, "/api/silo/status", s => s.GetProperty("pendingEvents").GetInt64() == 0, TimeSpan.FromSeconds(45));
        foreach (var (ip, messages) in expected)
        {
            var source = await ApiSession.GetAsync(http, $"/api/sources/{ip}");
            Assert.Equal(FilesBeforeKill + FilesAfterKill, source.GetProperty("recordCount").GetInt64());
            var days = source.GetProperty("state").GetProperty("days").EnumerateArray().ToList();
            Assert.Equal(messages, days.Sum(d => d.GetProperty("messages").GetInt64()));
        }

        await AppHostEndToEndTests.AssertStopsCleanlyAsync(apphost);
    }

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
