using System.Diagnostics;
using System.Globalization;
using System.Text;
using DmarcSecurity.Core.Ids;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// IDS log read throughput through <see cref="IdsLogReader"/>, one thread, over realistic logs generated in memory:
/// Suricata EVE with the usual mix of event types (most lines are flow, dns, http, tls records skipped by type),
/// Snort fast lines, Zeek conn.log as TSV and as JSON. Events/s is wall-clock; per core divides by the process's CPU
/// time over the same runs (GC threads included). Figures are medians of timed runs after a warm-up.
/// </summary>
public static class IdsBenchmark
{
    private const int Lines = 1_000_000;
    private const int TimedRuns = 5;
    private const int Seed = 42;

    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(2);

    private static readonly string[] s_signatures =
    [
        "1:2010935:3|ET SCAN Suspicious inbound to MSSQL port 1433|Potentially Bad Traffic|2",
        "1:2001219:20|ET SCAN Potential SSH Scan|Attempted Information Leak|2",
        "1:2024364:4|ET SCAN Possible Nmap User-Agent Observed|Web Application Attack|1",
        "1:2100384:6|GPL ICMP_INFO PING|Misc activity|3",
        "1:2013504:6|ET POLICY GNU/Linux APT User-Agent Outbound likely related to package management|Not Suspicious Traffic|3",
        "1:2027865:3|ET INFO Observed DNS Query to .cloud TLD|Potentially Bad Traffic|2",
    ];

    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"IDS log read: {Lines:N0} lines per input, one thread, median of {TimedRuns} runs after {s_warmUp.TotalSeconds:0} s warm-up");
        output.WriteLine($"{"format",-26} {"MB",7} {"events",10} {"skipped",10} {"events/s",12} {"lines/s",12} {"events/s/core",14}");
        Measure(output, "Suricata EVE (20% alerts)", Eve(), IdsFormat.SuricataEve);
        Measure(output, "Suricata EVE (all alerts)", Eve(alertShare: 1.0), IdsFormat.SuricataEve);
        Measure(output, "Snort fast", SnortFast(), IdsFormat.SnortFast);
        Measure(output, "Zeek conn.log TSV", ZeekTsv(), IdsFormat.ZeekTsv);
        Measure(output, "Zeek conn JSON", ZeekJson(), IdsFormat.ZeekJson);
    }

    private static void Measure(TextWriter output, string name, byte[] input, IdsFormat format)
    {
        var first = ReadOnce(input, format);
        if (first.Unreadable != 0)
        {
            throw new InvalidOperationException($"{name}: {first.Unreadable} generated lines were unreadable: {first.Errors[0].Reason}");
        }

        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < s_warmUp)
        {
            ReadOnce(input, format);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var rates = new (double Wall, double Cpu)[TimedRuns];
        var process = Process.GetCurrentProcess();
        for (var run = 0; run < TimedRuns; run++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            ReadOnce(input, format);
            var wall = watch.Elapsed.TotalSeconds;
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            rates[run] = (first.Events / wall, first.Events / cpu);
        }

        var wallRate = rates.Select(r => r.Wall).Order().ElementAt(TimedRuns / 2);
        var cpuRate = rates.Select(r => r.Cpu).Order().ElementAt(TimedRuns / 2);
        output.WriteLine(
            $"{name,-26} {input.Length / 1e6,7:F0} {first.Events,10:N0} {first.Skipped.Values.Sum(),10:N0} {wallRate,12:N0} {wallRate * first.Lines / first.Events,12:N0} {cpuRate,14:N0}");
    }

    private static IdsReadStats ReadOnce(byte[] input, IdsFormat format)
    {
        var stats = new IdsReadStats();
        using var stream = new MemoryStream(input, writable: false);
        foreach (var _ in IdsLogReader.Read(stream, format, stats))
        {
        }

        return stats;
    }

    private static string Attacker(Random random) => random.Next(10) < 8
        ? $"203.0.113.{random.Next(1, 255)}"
        : $"2001:db8:{random.Next(0, 0xffff):x}::{random.Next(1, 0xffff):x}";

    private static string Target(Random random) => $"198.51.100.{random.Next(1, 64)}";

    private static byte[] Eve(double alertShare = 0.2)
    {
        var random = new Random(Seed);
        var text = new StringBuilder(Lines * 400);
        var time = new DateTime(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < Lines; i++)
        {
            time = time.AddTicks(random.Next(1, 2_000_000));
            var stamp = time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+0000";
            var head = $"{{\"timestamp\":\"{stamp}\",\"flow_id\":{random.NextInt64(1L << 50)},\"in_iface\":\"eth0\",";
            var source = Attacker(random);
            var destination = Target(random);
            if (random.NextDouble() < alertShare)
            {
                var parts = s_signatures[random.Next(s_signatures.Length)].Split('|');
                var ids = parts[0].Split(':');
                text.Append(head).Append(
                    $"\"event_type\":\"alert\",\"src_ip\":\"{source}\",\"src_port\":{random.Next(1024, 65536)},\"dest_ip\":\"{destination}\",\"dest_port\":{(random.Next(2) == 0 ? 443 : 22)},\"proto\":\"TCP\",\"pkt_src\":\"wire/pcap\","
                    + $"\"alert\":{{\"action\":\"allowed\",\"gid\":{ids[0]},\"signature_id\":{ids[1]},\"rev\":{ids[2]},\"signature\":\"{parts[1]}\",\"category\":\"{parts[2]}\",\"severity\":{parts[3]},"
                    + "\"metadata\":{\"created_at\":[\"2010_07_30\"],\"signature_severity\":[\"Major\"],\"updated_at\":[\"2019_07_26\"]}},"
                    + $"\"app_proto\":\"tls\",\"flow\":{{\"pkts_toserver\":{random.Next(1, 20)},\"pkts_toclient\":{random.Next(0, 20)},\"bytes_toserver\":{random.Next(60, 9000)},\"bytes_toclient\":{random.Next(0, 9000)},\"start\":\"{stamp}\"}}}}\n");
                continue;
            }

            var body = random.Next(4) switch
            {
                0 => $"\"event_type\":\"flow\",\"src_ip\":\"{source}\",\"src_port\":{random.Next(1024, 65536)},\"dest_ip\":\"{destination}\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"flow\":{{\"pkts_toserver\":12,\"pkts_toclient\":10,\"bytes_toserver\":2311,\"bytes_toclient\":6034,\"start\":\"{stamp}\",\"end\":\"{stamp}\",\"age\":2,\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false}},\"tcp\":{{\"tcp_flags\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"}}",
                1 => $"\"event_type\":\"dns\",\"src_ip\":\"{destination}\",\"src_port\":{random.Next(1024, 65536)},\"dest_ip\":\"192.0.2.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{{\"type\":\"query\",\"id\":{random.Next(65536)},\"rrname\":\"host{random.Next(1000)}.example.com\",\"rrtype\":\"A\",\"tx_id\":0,\"opcode\":0}}",
                2 => $"\"event_type\":\"http\",\"src_ip\":\"{source}\",\"src_port\":{random.Next(1024, 65536)},\"dest_ip\":\"{destination}\",\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,\"http\":{{\"hostname\":\"{destination}\",\"url\":\"/index.php?id={random.Next(100000)}\",\"http_user_agent\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"http_content_type\":\"text/html\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":{random.Next(100, 90000)}}}",
                _ => $"\"event_type\":\"tls\",\"src_ip\":\"{source}\",\"src_port\":{random.Next(1024, 65536)},\"dest_ip\":\"{destination}\",\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{{\"subject\":\"CN=www.example.com\",\"issuerdn\":\"C=US, O=Let's Encrypt, CN=R3\",\"serial\":\"04:1A:2B\",\"fingerprint\":\"aa:bb:cc:dd\",\"sni\":\"www.example.com\",\"version\":\"TLS 1.3\",\"notbefore\":\"2026-10-01T00:00:00\",\"notafter\":\"2026-12-30T00:00:00\",\"ja3\":{{\"hash\":\"e7d705a3286e19ea42f587b344ee6865\"}}}}",
            };
            text.Append(head).Append(body).Append("}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] SnortFast()
    {
        var random = new Random(Seed);
        var text = new StringBuilder(Lines * 200);
        var time = new DateTime(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < Lines; i++)
        {
            time = time.AddTicks(random.Next(1, 2_000_000));
            var parts = s_signatures[random.Next(s_signatures.Length)].Split('|');
            text.Append(time.ToString("MM/dd-HH:mm:ss.ffffff", CultureInfo.InvariantCulture))
                .Append($"  [**] [{parts[0]}] {parts[1]} [**] [Classification: {parts[2]}] [Priority: {parts[3]}] {{TCP}} ")
                .Append($"{Attacker(random)}:{random.Next(1024, 65536)}")
                .Append($" -> {Target(random)}:{(random.Next(2) == 0 ? 1433 : 22)}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] ZeekTsv()
    {
        var random = new Random(Seed);
        var text = new StringBuilder(Lines * 180);
        text.Append("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-12-06-00-00-00\n")
            .Append("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n")
            .Append("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n");
        var epoch = 1_796_515_200.0;
        string[] states = ["S0", "REJ", "SF", "SH", "RSTO", "OTH"];
        for (var i = 0; i < Lines; i++)
        {
            epoch += random.Next(1, 200_000) / 1e6;
            var state = states[random.Next(states.Length)];
            text.Append(epoch.ToString("F6", CultureInfo.InvariantCulture)).Append("\tC").Append(random.NextInt64(1L << 60).ToString("x", CultureInfo.InvariantCulture))
                .Append($"\t{Attacker(random)}\t{random.Next(1024, 65536)}\t{Target(random)}\t{(random.Next(2) == 0 ? 22 : 3389)}\ttcp\t-\t")
                .Append(state == "SF" ? "3.402147\t2934\t4012" : "-\t-\t-")
                .Append($"\t{state}\tF\tT\t0\tS\t1\t44\t0\t0\t-\n");
        }

        text.Append("#close\t2026-12-07-00-00-00\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] ZeekJson()
    {
        var random = new Random(Seed);
        var text = new StringBuilder(Lines * 300);
        var epoch = 1_796_515_200.0;
        string[] states = ["S0", "REJ", "SF", "SH", "RSTO", "OTH"];
        for (var i = 0; i < Lines; i++)
        {
            epoch += random.Next(1, 200_000) / 1e6;
            text.Append("{\"ts\":").Append(epoch.ToString("F6", CultureInfo.InvariantCulture))
                .Append($",\"uid\":\"C{random.NextInt64(1L << 60):x}\",\"id.orig_h\":\"{Attacker(random)}\",\"id.orig_p\":{random.Next(1024, 65536)},\"id.resp_h\":\"{Target(random)}\",\"id.resp_p\":{(random.Next(2) == 0 ? 22 : 3389)},")
                .Append($"\"proto\":\"tcp\",\"conn_state\":\"{states[random.Next(states.Length)]}\",\"local_orig\":false,\"local_resp\":true,\"missed_bytes\":0,\"history\":\"S\",\"orig_pkts\":1,\"orig_ip_bytes\":44,\"resp_pkts\":0,\"resp_ip_bytes\":0}}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
