using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Testing.Enrichment;
using Microsoft.Extensions.Logging.Abstractions;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// Source identity for 20,000 distinct addresses: a City and an ASN database written for the run (MaxMind's format,
/// Debian's MaxMind::DB::Writer), and a local dnsmasq answering their PTR queries from a hosts file (three in four have a
/// name, many of them known services; the rest are NXDOMAIN). Each address is asked once, as a source page asks, with 64
/// asking at once and the default DNS bound (32 queries in flight); first cold (every PTR from dnsmasq), then warm (all from
/// the caches). Prints identities/s, the caches' hits, the DNS queries sent, p50 and p99 latency per identity, and the
/// CPU time of this process and of dnsmasq.
/// </summary>
public static class EnrichBenchmark
{
    private const int Addresses = 20_000;
    private const int Callers = 64;

    public static async Task RunAsync(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var folder = Directory.CreateTempSubdirectory("dmarc-bench-enrich-").FullName;
        try
        {
            var addresses = Enumerable.Range(0, Addresses).Select(i => new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i])).ToList();
            var (city, asn, hosts) = await WriteWorldAsync(folder, addresses);
            using var dns = await Dnsmasq.StartAsync(new Dictionary<string, string>(), ttl: 3600, localZones: ["10.in-addr.arpa"],
                extra: [$"--addn-hosts={hosts}", "--dns-forward-max=1000"], cacheSize: 20_000);
            var options = Microsoft.Extensions.Options.Options.Create(new EnrichmentOptions
            {
                GeoIp = new GeoIpOptions { CityDatabase = city, AsnDatabase = asn },
                Dns = new DnsOptions { Servers = dns.Server },
                WaitForLookups = TimeSpan.FromSeconds(10),
            });
            using var geo = new GeoIpDatabases(options, NullLogger<GeoIpDatabases>.Instance);
            using var reverse = new ReverseDns(options, NullLogger<ReverseDns>.Instance);
            var identities = new SourceIdentities(geo, reverse, SenderServices.Load(), new PublicSuffixListSource(options, NullLogger<PublicSuffixListSource>.Instance), options);
            using var counters = new Counters();

            output.WriteLine($"Source identity: {Addresses:N0} distinct addresses, {Callers} callers at once, DNS bound {options.Value.Dns.MaxConcurrency}, local dnsmasq and generated mmdb files");
            output.WriteLine($"{"pass",-6} {"identities/s",13} {"DNS queries",12} {"DNS cache hits",15} {"p50 ms",8} {"p99 ms",8} {"found",7} {"none",6} {"failed",7} {"with service",13} {"CPU s (this, dnsmasq)",22}");
            foreach (var pass in new[] { "cold", "warm" })
            {
                counters.Reset();
                var cpu = CpuMeter.Start(new() { ["this"] = [Environment.ProcessId], ["dnsmasq"] = [dns.ProcessId] });
                var (elapsed, latencies, results) = await RunPassAsync(identities, addresses);
                var used = cpu.Stop();
                Array.Sort(latencies);
                output.WriteLine(
                    $"{pass,-6} {Addresses / elapsed.TotalSeconds,13:N0} {counters.Queries,12:N0} {counters.CacheHits,15:N0} " +
                    $"{latencies[latencies.Length / 2],8:F3} {latencies[(int)(latencies.Length * 0.99)],8:F3} " +
                    $"{results.Count(r => r.ReverseDns == Core.Enrichment.ReverseDnsStatus.Found),7:N0} {results.Count(r => r.ReverseDns == Core.Enrichment.ReverseDnsStatus.None),6:N0} " +
                    $"{results.Count(r => r.ReverseDns is Core.Enrichment.ReverseDnsStatus.Failed or Core.Enrichment.ReverseDnsStatus.Pending),7:N0} " +
                    $"{results.Count(r => r.Service is not null),13:N0} {$"{used["this"]:F1}, {used["dnsmasq"]:F1}",22}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(TimeSpan Elapsed, double[] Latencies, Core.Enrichment.SourceIdentity[] Results)> RunPassAsync(
        SourceIdentities identities, IReadOnlyList<IPAddress> addresses)
    {
        var latencies = new double[addresses.Count];
        var results = new Core.Enrichment.SourceIdentity[addresses.Count];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < addresses.Count)
            {
                var started = Stopwatch.GetTimestamp();
                results[i] = await identities.IdentifyAsync(addresses[i], CancellationToken.None);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        return (clock.Elapsed, latencies, results);
    }

    private static async Task<(string City, string Asn, string Hosts)> WriteWorldAsync(string folder, IReadOnlyList<IPAddress> addresses)
    {
        string[] countries = ["US", "DE", "GB", "FR", "NL", "IE", "JP", "BR", "IN", "SG"];
        (int Number, string Org, string Ptr)[] networks =
        [
            (15169, "GOOGLE", "mail-wr1-f{0}.google.com"), (8075, "MICROSOFT-CORP-MSN-AS-BLOCK", "mail-{0}.outbound.protection.outlook.com"),
            (16509, "AMAZON-02", "a{0}.smtp-out.amazonses.com"), (11377, "SENDGRID", "o{0}.ptr1.sendgrid.net"),
            (64500, "EXAMPLE-HOSTING", "host-{0}.customers.example-hosting.de"), (64501, "EXAMPLE-ISP", "dsl-{0}.dynamic.example-isp.co.uk"),
        ];
        // One /24 per network entry: 20,000 addresses span 79 of them.
        var blocks = addresses.Select(a => a.GetAddressBytes()).Select(b => (b[1], b[2])).Distinct().ToList();
        var city = Path.Combine(folder, "GeoLite2-City.mmdb");
        var asn = Path.Combine(folder, "GeoLite2-ASN.mmdb");
        await Mmdb.WriteAsync(city, "GeoLite2-City", 6, blocks.Select((b, i) => new MmdbNetwork($"10.{b.Item1}.{b.Item2}.0/24", new Dictionary<string, object>
        {
            ["country"] = new Dictionary<string, object> { ["iso_code"] = countries[i % countries.Length] },
            ["city"] = new Dictionary<string, object> { ["names"] = new Dictionary<string, object> { ["en"] = $"City {i}" } },
        })));
        await Mmdb.WriteAsync(asn, "GeoLite2-ASN", 4, blocks.Select((b, i) => new MmdbNetwork($"10.{b.Item1}.{b.Item2}.0/24", new Dictionary<string, object>
        {
            ["autonomous_system_number"] = networks[i % networks.Length].Number,
            ["autonomous_system_organization"] = networks[i % networks.Length].Org,
        })));
        var hosts = Path.Combine(folder, "hosts");
        await File.WriteAllLinesAsync(hosts, addresses.Select((a, i) => (a, i)).Where(x => x.i % 4 != 3).Select(x =>
        {
            var b = x.a.GetAddressBytes();
            var block = blocks.IndexOf((b[1], b[2]));
            return $"{x.a} {string.Format(System.Globalization.CultureInfo.InvariantCulture, networks[block % networks.Length].Ptr, x.i)}";
        }));
        return (city, asn, hosts);
    }

    /// <summary>The enrichment meter's DNS counters, read as the platform's telemetry would.</summary>
    private sealed class Counters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _queries;
        private long _cacheHits;

        public Counters()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "DmarcSecurity.Enrichment" && instrument.Name is "dmarc.enrichment.dns.queries" or "dmarc.enrichment.dns.cache_hits")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == "dmarc.enrichment.dns.queries")
                {
                    Interlocked.Add(ref _queries, value);
                }
                else
                {
                    Interlocked.Add(ref _cacheHits, value);
                }
            });
            _listener.Start();
        }

        public long Queries => Interlocked.Read(ref _queries);

        public long CacheHits => Interlocked.Read(ref _cacheHits);

        public void Reset()
        {
            Interlocked.Exchange(ref _queries, 0);
            Interlocked.Exchange(ref _cacheHits, 0);
        }

        public void Dispose() => _listener.Dispose();
    }
}
