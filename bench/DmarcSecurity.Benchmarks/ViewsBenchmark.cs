using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// The views over 10,000,000 records on PostgreSQL: 365 days × 20 domains × 4 reporters = 29,200 reports of 343
/// records, uploaded through the real Api (which rolls them up by day and month as they arrive). Each domain has 400
/// legitimate sending addresses and 200 forwarders that recur day after day (70 % and 10 % of the records), and a fifth
/// of the records come from addresses drawn from a pool of 4,000,000 (spoofers, mostly seen once). Then the Api's
/// dashboard and its sources page, uncached, for every domain and for one, over the last 30 days, the last year and all
/// time; and the last year once more with a period that does not start at midnight, which the rollups cannot serve, so
/// the records are read. Needs DMARC_TEST_POSTGRES and DMARC_API_DLL; bench/run.sh sets them.
/// </summary>
public static class ViewsBenchmark
{
    private const int Days = 365;
    private const int Domains = 20;
    private const int Reporters = 4;
    private const int RecordsPerReport = 343;
    private const int LegitimatePerDomain = 400;
    private const int ForwardersPerDomain = 200;
    private const int SpooferPool = 4_000_000;
    private const int Runs = 5;
    private static readonly string[] s_reporters = ["google.com", "Yahoo! Inc.", "Mail.Ru", "Enterprise Outlook"];

    public static async Task RunAsync(TextWriter output)
    {
        var admin = Environment.GetEnvironmentVariable("DMARC_TEST_POSTGRES") ?? throw new InvalidOperationException("DMARC_TEST_POSTGRES is not set: run bench/run.sh.");
        var apiDll = Environment.GetEnvironmentVariable("DMARC_API_DLL") ?? throw new InvalidOperationException("DMARC_API_DLL is not set: run bench/run.sh.");
        const int reports = Days * Domains * Reporters;
        output.WriteLine();
        output.WriteLine($"== views: {reports * (long)RecordsPerReport:N0} records on PostgreSQL, rolled up by day and month ==");

        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        var connectionString = await BenchDatabase.CreateAsync(admin, "views");
        using var api = await ApiHost.StartAsync(apiDll, connectionString);
        using var http = await ApiHost.CreateAnalystClientAsync(api);

        var loading = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, reports / 10), new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (batch, ct) =>
            await IngestBenchmark.PostAsync(http, Enumerable.Range(batch * 10, 10).Select(i => ($"r{i}.xml.gz", Report(i, today))).ToArray(), ct));
        var loaded = loading.Elapsed;
        await using var database = new NpgsqlConnection(connectionString);
        await database.OpenAsync();
        while (await CountAsync(database, "rollup_queue") > 0)
        {
            await Task.Delay(500);
        }

        output.WriteLine($"stored {reports * (long)RecordsPerReport:N0} records in {loaded.TotalSeconds:F0} s ({reports * (double)RecordsPerReport / loaded.TotalSeconds:N0} records/s, " +
                         $"generating the reports in the same process); every report rolled up {loading.Elapsed.TotalSeconds - loaded.TotalSeconds:F1} s after the last upload");
        output.WriteLine($"rows: records {await CountAsync(database, "records"):N0}, source_days {await CountAsync(database, "source_days"):N0}, " +
                         $"source_months {await CountAsync(database, "source_months"):N0}");

        var top = 20;
        foreach (var (scope, domain) in new[] { ("all domains", ""), ("one domain", "&domain=views3.example") })
        {
            foreach (var (period, query) in new[]
            {
                ("last 30 days", $"from={Day(today.AddDays(-30))}"),
                ("last year", $"from={Day(today.AddDays(-365))}"),
                ("all time", ""),
                ("last year, from 00:00:01 (records)", $"from={Uri.EscapeDataString(today.AddDays(-365).AddSeconds(1).ToString("O", CultureInfo.InvariantCulture))}"),
            })
            {
                // Each sample asks for another page size, so the Api's cache never answers.
                var dashboard = await MedianAsync(http, () => $"/api/stats/dashboard?{query}{domain}&top={++top}");
                var sources = await MedianAsync(http, () => $"/api/sources?{query}{domain}&order=failing&pageSize={++top}");
                output.WriteLine($"{scope,-12} {period,-36} dashboard median {dashboard.Median,6:F0} ms (max {dashboard.Max,5:F0})   " +
                                 $"sources page median {sources.Median,6:F0} ms (max {sources.Max,5:F0})");
            }
        }
    }

    private static byte[] Report(int i, DateTimeOffset today)
    {
        var day = i / (Domains * Reporters);
        var domain = i / Reporters % Domains;
        return IngestBenchmark.Gzip(ReportGenerator.Generate(
            RecordsPerReport, seed: i, domain: $"views{domain}.example", org: s_reporters[i % Reporters], day: today.AddDays(-Days + day),
            address: (random, legitimate) => legitimate ? Pooled("10.", domain, random.Next(LegitimatePerDomain))
                : random.Next(3) == 0 ? Pooled("172.", domain, random.Next(ForwardersPerDomain))
                : Spoofer(random.Next(SpooferPool))));
    }

    private static string Pooled(string prefix, int domain, int n) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{domain}.{n / 250}.{n % 250 + 1}");

    private static string Spoofer(int n) => string.Create(CultureInfo.InvariantCulture, $"{n / 65536 + 100}.{n / 256 % 256}.{n % 256}.7");

    private static string Day(DateTimeOffset day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static async Task<long> CountAsync(NpgsqlConnection connection, string table)
    {
        await using var command = new NpgsqlCommand($"SELECT COUNT(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<(double Median, double Max)> MedianAsync(HttpClient http, Func<string> path)
    {
        var times = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(path());
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return (times[Runs / 2], times[^1]);
    }
}
