using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// The DMARC grains end to end, through the real Api and silo processes on PostgreSQL: how fast one silo and two drain
/// an inbox filled by uploads (events/s with the real domain and source-IP grains), and the lag from an upload to the
/// decision being visible in the Api when the silo is idle; how long after a SIGKILL of one of two silos its partitions
/// are pumped again by the other; and the silo's resident memory idle and after 1,000,000 events over 200,000 sources.
/// The silos form one Orleans cluster on Redis. Needs DMARC_TEST_POSTGRES, DMARC_TEST_REDIS, DMARC_API_DLL and
/// DMARC_SILO_DLL (bench/run.sh sets them).
/// </summary>
public static class SiloBenchmark
{
    private static readonly int Reports = int.TryParse(Environment.GetEnvironmentVariable("DMARC_BENCH_SILO_REPORTS"), out var r) ? r : 100;
    private const int RecordsPerReport = 1_000;
    private const int LagSamples = 7;

    public static async Task RunAsync(TextWriter output)
    {
        var admin = Environment.GetEnvironmentVariable("DMARC_TEST_POSTGRES") ?? throw new InvalidOperationException("DMARC_TEST_POSTGRES is not set: run bench/run.sh.");
        var apiDll = Environment.GetEnvironmentVariable("DMARC_API_DLL") ?? throw new InvalidOperationException("DMARC_API_DLL is not set: run bench/run.sh.");
        var siloDll = Environment.GetEnvironmentVariable("DMARC_SILO_DLL") ?? throw new InvalidOperationException("DMARC_SILO_DLL is not set: run bench/run.sh.");
        var redis = Environment.GetEnvironmentVariable("DMARC_TEST_REDIS") ?? throw new InvalidOperationException("DMARC_TEST_REDIS is not set: run bench/run.sh.");

        output.WriteLine();
        output.WriteLine(Reports == 0 ? "== silo: memory only (DMARC_BENCH_SILO_REPORTS=0) ==" : $"== silo: {Reports} reports x {RecordsPerReport:N0} records uploaded, then drained by the DMARC grains on PostgreSQL ==");
        // Reports of the last ten days, so every record is inside the grains' evidence windows: the sources are scored
        // on real evidence and the heaviest failing ones get decisions, as they would in production.
        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        var files = Enumerable.Range(0, Reports)
            .Select(i => ($"s{i}.xml.gz", IngestBenchmark.Gzip(ReportGenerator.Generate(RecordsPerReport, seed: 500_000 + i, domain: $"silo{i % 10}.example",
                day: today.AddDays(-1 - (i / 10 % 10))))))
            .ToArray();
        foreach (var silos in Reports > 0 ? new[] { 1, 2 } : [])
        {
            var connectionString = await BenchDatabase.CreateAsync(admin, $"silo{silos}");
            using var api = await ApiHost.StartAsync(apiDll, connectionString);
            using var http = await ApiHost.CreateAnalystClientAsync(api);
            foreach (var chunk in files.Chunk(10))
            {
                await IngestBenchmark.PostAsync(http, chunk, CancellationToken.None);
            }

            await CpuMeter.QuietAsync([api.Id, Environment.ProcessId]);
            var total = await PendingAsync(http);
            var fromStart = Stopwatch.StartNew();
            // Started together, so one silo does not drain the inbox alone while the other is still starting.
            var cluster = $"bench-{silos}-{Guid.NewGuid():N}"[..20];
            var hosts = (await Task.WhenAll(Enumerable.Range(1, silos)
                .Select(i => HostProcess.StartAsync($"silo{i}", siloDll, SiloEnvironment(connectionString, redis, cluster))))).ToList();

            // Two rates: from starting the processes (start-up, JIT and grain activation included), and from the moment
            // every silo answered healthy (steady work on what was still pending then).
            var pendingWhenHealthy = await PendingAsync(http);
            var cpu = CpuMeter.Start(new() { ["silo"] = [.. hosts.Select(h => h.Id)], ["api"] = [api.Id] });
            var fromHealthy = Stopwatch.StartNew();
            await DrainedAsync(connectionString);
            fromHealthy.Stop();
            fromStart.Stop();
            var seconds = cpu.Stop();

            output.WriteLine($"{silos} silo{(silos > 1 ? "s" : " ")}: {total:N0} events in {fromStart.Elapsed.TotalSeconds:F1} s from process start = " +
                             $"{total / fromStart.Elapsed.TotalSeconds:N0} events/s; {pendingWhenHealthy:N0} pending once healthy drained at " +
                             $"{pendingWhenHealthy / fromHealthy.Elapsed.TotalSeconds:N0} events/s; produced {await CountAsync(http, "/api/alerts"):N0} alerts " +
                             $"and {await CountAsync(http, "/api/decisions"):N0} decisions");
            if (pendingWhenHealthy > 0)
            {
                output.WriteLine("   CPU per event while draining: " +
                                 string.Join(", ", seconds.Select(s => $"{s.Key} {s.Value * 1e6 / pendingWhenHealthy:N0} µs")) +
                                 $" ({seconds.Values.Sum() / fromHealthy.Elapsed.TotalSeconds:F2} of {Environment.ProcessorCount} cores busy)");
            }

            if (silos == 1)
            {
                await LagAsync(output, http);
            }
            else
            {
                await FailoverAsync(output, http, connectionString, files, hosts[1]);
            }

            foreach (var host in hosts)
            {
                host.Dispose();
            }
        }

        if (MemoryEvents > 0)
        {
            await MemoryAsync(output, admin, apiDll, siloDll, redis);
        }
    }

    private static readonly int MemoryEvents = int.TryParse(Environment.GetEnvironmentVariable("DMARC_BENCH_SILO_MEMORY_EVENTS"), out var m) ? m : 1_000_000;
    private const int MemorySources = 200_000;

    /// <summary>
    /// One silo's resident memory idle, right after draining <see cref="MemoryEvents"/> events over 200,000 sources, and
    /// once Orleans has collected the idle activations (Grains__IdleEviction 30 s here, 15 minutes by default).
    /// </summary>
    private static async Task MemoryAsync(TextWriter output, string admin, string apiDll, string siloDll, string redis)
    {
        const int recordsPerReport = 1_000;
        var reports = MemoryEvents / recordsPerReport;
        output.WriteLine($"-- silo memory: {reports:N0} reports x {recordsPerReport:N0} records over {MemorySources:N0} sources, one silo --");
        var connectionString = await BenchDatabase.CreateAsync(admin, "silomem");
        using var api = await ApiHost.StartAsync(apiDll, connectionString);
        using var http = await ApiHost.CreateAnalystClientAsync(api);
        using var silo = await HostProcess.StartAsync("silo", siloDll, SiloEnvironment(connectionString, redis, "bench-mem-" + Guid.NewGuid().ToString("N")[..8],
            new() { ["Grains__IdleEviction"] = "00:00:30" }));
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idle = silo.ResidentMegabytes();
        var clock = Stopwatch.StartNew();
        var random = new Random(77);
        for (var start = 0; start < reports; start += 10)
        {
            var chunk = Enumerable.Range(start, Math.Min(10, reports - start)).Select(r => ($"m{r}.xml.gz", IngestBenchmark.Gzip(DmarcSecurity.Testing.AggregateReportXml.Build(
                $"mem{r % 50}.example", "google.com", $"mem-{r}", daysAgo: 1 + (r % 7),
                Enumerable.Range(0, recordsPerReport).Select(_ =>
                {
                    var source = random.Next(MemorySources);
                    return ($"10.{source / 65536}.{source / 256 % 256}.{source % 256}", random.Next(1, 40), random.Next(10) < 7, "none");
                }))))).ToArray();
            await IngestBenchmark.PostAsync(http, chunk, CancellationToken.None);
        }

        await DrainedAsync(connectionString);
        var drained = silo.ResidentMegabytes();
        var seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(75));
        var collected = silo.ResidentMegabytes();
        output.WriteLine($"silo resident memory: idle {idle:N0} MB; after {MemoryEvents:N0} events ({seconds:F0} s, uploads included) {drained:N0} MB " +
                         $"(peak {silo.PeakResidentMegabytes():N0} MB); 75 s later, idle activations collected, {collected:N0} MB");
    }

    /// <summary>The Orleans settings as Aspire would inject them: one cluster on Redis, free ports per silo.</summary>
    internal static Dictionary<string, string> SiloEnvironment(string connectionString, string redis, string cluster, Dictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__dmarcdb"] = connectionString,
            ["ConnectionStrings__cluster"] = redis,
            ["Orleans__ClusterId"] = cluster,
            ["Orleans__ServiceId"] = "dmarcsecurity-bench",
            ["Orleans__Clustering__ProviderType"] = "Redis",
            ["Orleans__Clustering__ServiceKey"] = "cluster",
            ["Orleans__Endpoints__SiloPort"] = HostProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = HostProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
        };
        foreach (var (key, value) in extra ?? [])
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>
    /// Two silos idle; reports uploaded again (as new files); once the silos are draining, one is killed with SIGKILL.
    /// Failover is over when every partition that still held events at the kill has been pumped again (its pending
    /// count went down), which needs Orleans to declare the dead silo dead and the keeper to place its partitions on
    /// the survivor.
    /// </summary>
    private static async Task FailoverAsync(TextWriter output, HttpClient http, string connectionString, (string Name, byte[] Bytes)[] files, HostProcess victim)
    {
        var again = files.Take(30).Select(f => ("again-" + f.Name, IngestBenchmark.Gzip(Reupload(f.Bytes)))).ToArray();
        foreach (var chunk in again.Chunk(10))
        {
            await IngestBenchmark.PostAsync(http, chunk, CancellationToken.None);
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var total = await PendingByPartitionAsync(connection);
        var waiting = Stopwatch.StartNew();
        while ((await PendingByPartitionAsync(connection)) is var pending && pending.Values.Sum() > total.Values.Sum() * 2 / 3)
        {
            if (waiting.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"The two silos stopped draining before the kill: {pending.Values.Sum():N0} events left in " +
                                           $"{pending.Count} partitions ({string.Join(", ", pending.Keys.Order())}).");
            }

            await Task.Delay(20);
        }

        var atKill = await PendingByPartitionAsync(connection);
        var clock = Stopwatch.StartNew();
        System.Diagnostics.Process.GetProcessById(victim.Id).Kill();
        while (true)
        {
            var now = await PendingByPartitionAsync(connection);
            if (atKill.All(p => now.GetValueOrDefault(p.Key) < p.Value))
            {
                break;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("The killed silo's partitions were not pumped again within 60 s.");
            }

            await Task.Delay(20);
        }

        var failover = clock.Elapsed;
        await DrainedAsync(connectionString);
        output.WriteLine($"failover: SIGKILL of one of two silos with {atKill.Values.Sum():N0} events pending in {atKill.Count} partitions; " +
                         $"every one of them pumped again {failover.TotalSeconds:F2} s later; inbox empty after {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<Dictionary<int, long>> PendingByPartitionAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT partition, COUNT(*) FROM grain_inbox GROUP BY partition", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var pending = new Dictionary<int, long>();
        while (await reader.ReadAsync())
        {
            pending[reader.GetInt32(0)] = reader.GetInt64(1);
        }

        return pending;
    }

    /// <summary>The same report under a new report id, so the Api stores it as a new report.</summary>
    private static byte[] Reupload(byte[] gzipped)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(gzipped), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(input);
        var xml = reader.ReadToEnd();
        var start = xml.IndexOf("<report_id>", StringComparison.Ordinal) + "<report_id>".Length;
        return Encoding.UTF8.GetBytes(xml.Insert(start, "again-"));
    }

    /// <summary>Upload of one small report with a hostile source, then polling the Api until its decision shows.</summary>
    private static async Task LagAsync(TextWriter output, HttpClient http)
    {
        var lags = new List<double>();
        for (var sample = 0; sample < LagSamples; sample++)
        {
            var ip = $"203.0.113.{10 + sample}";
            var xml = HostileReport($"lag-{sample}-{Guid.NewGuid():N}", ip);
            var clock = Stopwatch.StartNew();
            await IngestBenchmark.PostAsync(http, [("lag.xml", xml)], CancellationToken.None);
            while (true)
            {
                var decisions = await http.GetFromJsonAsync<JsonElement>($"/api/decisions?ip={ip}");
                if (decisions.GetProperty("totalCount").GetInt64() > 0)
                {
                    break;
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"No decision for {ip} after 30 s.");
                }

                await Task.Delay(20);
            }

            lags.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(500);
        }

        lags.Sort();
        output.WriteLine($"upload -> decision visible in the Api, idle silo: median {lags[lags.Count / 2]:N0} ms " +
                         $"(min {lags[0]:N0}, max {lags[^1]:N0}; {LagSamples} samples)");
    }

    /// <summary>
    /// Waits until the inbox is empty. Asks the database directly whether any event is left, which costs almost
    /// nothing: counting the inbox through <c>/api/silo/status</c> 20 times a second would take CPU from the silo
    /// being measured.
    /// </summary>
    private static async Task DrainedAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var anyLeft = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM grain_inbox)", connection);
        while ((bool)(await anyLeft.ExecuteScalarAsync())!)
        {
            await Task.Delay(50);
        }
    }

    private static async Task<long> CountAsync(HttpClient http, string list) =>
        (await http.GetFromJsonAsync<JsonElement>(list + "?pageSize=1")).GetProperty("totalCount").GetInt64();

    private static async Task<long> PendingAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("/api/silo/status")).GetProperty("pendingEvents").GetInt64();

    private static byte[] HostileReport(string id, string ip)
    {
        var begin = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes($"""
            <?xml version="1.0"?>
            <feedback><version>1.0</version>
            <report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email><report_id>{id}</report_id>
            <date_range><begin>{begin}</begin><end>{begin}</end></date_range></report_metadata>
            <policy_published><domain>lag.example</domain><p>reject</p></policy_published>
            <record><row><source_ip>{ip}</source_ip><count>5000</count>
            <policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
            <identifiers><header_from>lag.example</header_from></identifiers></record>
            </feedback>
            """);
    }
}
