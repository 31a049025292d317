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
/// decision being visible in the Api when the silo is idle. Needs DMARC_TEST_POSTGRES, DMARC_API_DLL and DMARC_SILO_DLL
/// (bench/run.sh sets them).
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

        output.WriteLine();
        output.WriteLine($"== silo: {Reports} reports x {RecordsPerReport:N0} records uploaded, then drained by the DMARC grains on PostgreSQL ==");
        // Reports of the last ten days, so every record is inside the grains' evidence windows: the sources are scored
        // on real evidence and the heaviest failing ones get decisions, as they would in production.
        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        var files = Enumerable.Range(0, Reports)
            .Select(i => ($"s{i}.xml.gz", IngestBenchmark.Gzip(ReportGenerator.Generate(RecordsPerReport, seed: 500_000 + i, domain: $"silo{i % 10}.example",
                day: today.AddDays(-1 - (i / 10 % 10))))))
            .ToArray();
        foreach (var silos in new[] { 1, 2 })
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
            var hosts = new List<HostProcess>();
            for (var i = 0; i < silos; i++)
            {
                hosts.Add(await HostProcess.StartAsync($"silo{i + 1}", siloDll, new Dictionary<string, string> { ["ConnectionStrings__dmarcdb"] = connectionString }));
            }

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

            foreach (var host in hosts)
            {
                host.Dispose();
            }
        }
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
