using System.Diagnostics;
using System.Globalization;
using System.Text;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// From a spoofing report to the action, through the real processes: the Api on PostgreSQL, one silo enforcing
/// (<c>Threat__Enforce=true</c>), Debian's crowdsec-firewall-bouncer in nftables mode pulling every second, and a webhook
/// channel to a local HTTP receiver. Each run uploads one aggregate report in which a new address fails DKIM and SPF on
/// 5,000 messages, then times the first webhook POST naming the address and its arrival in the bouncer's nftables set.
/// The silo scores on the pattern alone (weight 1, the others 0), so that one report is critical evidence: with the
/// default weights a single report cannot reach the block layer without history, reputation or anomaly.
/// </summary>
public static class ActBenchmark
{
    private const string BouncerKey = "benchmark-bouncer-key-0123456789abcdef";
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("DMARC_BENCH_ACT_RUNS"), out var r) ? r : 20;

    public static async Task RunAsync(TextWriter output)
    {
        var admin = Environment.GetEnvironmentVariable("DMARC_TEST_POSTGRES") ?? throw new InvalidOperationException("DMARC_TEST_POSTGRES is not set: run bench/run.sh.");
        var apiDll = Environment.GetEnvironmentVariable("DMARC_API_DLL") ?? throw new InvalidOperationException("DMARC_API_DLL is not set: run bench/run.sh.");
        var siloDll = Environment.GetEnvironmentVariable("DMARC_SILO_DLL") ?? throw new InvalidOperationException("DMARC_SILO_DLL is not set: run bench/run.sh.");
        output.WriteLine();
        output.WriteLine($"== act: spoofing report -> webhook POST and nftables set, {Runs} runs (load before: {File.ReadAllText("/proc/loadavg").Trim()}) ==");
        if (!File.Exists(FirewallBouncer.Program))
        {
            output.WriteLine($"skipped: {FirewallBouncer.Program} is missing (scripts/bouncer.sh installs it)");
            return;
        }

        var receiver = await HttpReceiver.StartAsync(_ => 200);
        FirewallBouncer? bouncer = null;
        try
        {
            var connectionString = await BenchDatabase.CreateAsync(admin, "act");
            using var api = await ApiHost.StartAsync(apiDll, connectionString, new Dictionary<string, string>
            {
                ["Enforcement__Bouncers__firewall__ApiKey"] = BouncerKey,
                ["Notifications__Channels__hook__Kind"] = "Webhook",
                ["Notifications__Channels__hook__Url"] = receiver.Url.ToString(),
                ["Notifications__Channels__hook__Secret"] = "benchmark-webhook-secret-0123456789abcdef",
                ["Notifications__Channels__hook__MinimumSeverity"] = "High",
            });
            using var silo = await HostProcess.StartAsync("silo", siloDll, new Dictionary<string, string>
            {
                ["ConnectionStrings__dmarcdb"] = connectionString,
                ["Threat__Enforce"] = "true",
                ["Threat__PatternWeight"] = "1",
                ["Threat__ContextWeight"] = "0",
                ["Threat__HistoryWeight"] = "0",
                ["Threat__ReputationWeight"] = "0",
                ["Threat__AnomalyWeight"] = "0",
                ["Orleans__Endpoints__SiloPort"] = HostProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans__Endpoints__GatewayPort"] = HostProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            });
            using var http = await ApiHost.CreateAnalystClientAsync(api);
            bouncer = await FirewallBouncer.StartAsync(api.BaseAddress, BouncerKey);
            await WaitForAsync(bouncer.ReadyAsync, TimeSpan.FromSeconds(30), "the bouncer's nftables set");

            var toHook = new List<double>();
            var toSet = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                var ip = $"198.51.100.{run + 10}";
                var clock = Stopwatch.StartNew();
                var stored = await IngestBenchmark.PostAsync(http, [($"act-{run}.xml", SpoofingReport(run, ip))], CancellationToken.None);
                if (stored.Stored != 1)
                {
                    throw new InvalidOperationException($"run {run}: the report was not stored: {stored.Files.FirstOrDefault()?.Error}");
                }

                double? hook = null, set = null;
                while ((hook is null || set is null) && clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    if (hook is null && receiver.Requests.Any(q => q.Text.Contains(ip, StringComparison.Ordinal)))
                    {
                        hook = clock.Elapsed.TotalMilliseconds;
                    }

                    if (set is null && (await bouncer.SetAsync()).Contains(ip, StringComparison.Ordinal))
                    {
                        set = clock.Elapsed.TotalMilliseconds;
                    }

                    await Task.Delay(25);
                }

                if (hook is null || set is null)
                {
                    throw new TimeoutException($"run {run}: after 60 s, webhook {(hook is null ? "not reached" : "reached")}, nftables set {(set is null ? "not reached" : "reached")} for {ip}.");
                }

                toHook.Add(hook.Value);
                toSet.Add(set.Value);
                output.WriteLine($"run {run + 1,2}: {ip,-15} webhook {hook,6:N0} ms  nftables set {set,6:N0} ms");
                await Task.Delay(Random.Shared.Next(200, 1200));
            }

            output.WriteLine($"report -> webhook POST:      median {Median(toHook):N0} ms, worst {toHook.Max():N0} ms, best {toHook.Min():N0} ms ({Runs} runs)");
            output.WriteLine($"report -> bouncer's nftables set: median {Median(toSet):N0} ms, worst {toSet.Max():N0} ms, best {toSet.Min():N0} ms " +
                             "(the bouncer pulls every 1 s; runs start at random points of its cycle)");
        }
        finally
        {
            if (bouncer is not null)
            {
                await bouncer.DisposeAsync();
            }

            await receiver.DisposeAsync();
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task WaitForAsync(Func<Task<bool>> ready, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await ready())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"{what} was not ready within {limit.TotalSeconds:0} s.");
            }

            await Task.Delay(100);
        }
    }

    private static byte[] SpoofingReport(int run, string ip)
    {
        var begin = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes($"""
            <?xml version="1.0"?>
            <feedback><version>1.0</version>
            <report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email><report_id>act-{run}-{Guid.NewGuid():N}</report_id>
            <date_range><begin>{begin}</begin><end>{begin}</end></date_range></report_metadata>
            <policy_published><domain>act.example</domain><p>reject</p></policy_published>
            <record><row><source_ip>{ip}</source_ip><count>5000</count>
            <policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
            <identifiers><header_from>act.example</header_from></identifiers></record>
            </feedback>
            """);
    }
}
