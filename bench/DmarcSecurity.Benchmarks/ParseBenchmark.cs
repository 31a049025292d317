using System.Diagnostics;
using System.IO.Compression;
using DmarcSecurity.Core.Ingestion;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// Parse throughput through <see cref="ReportExtractor"/> (the path every ingested file takes) for small, medium
/// and large reports, plain and gzipped. Figures are medians of timed runs after a warm-up long enough for tiered
/// JIT compilation to finish; MB/s counts report XML bytes (1 MB = 1,000,000 bytes) in both rows.
/// </summary>
public static class ParseBenchmark
{
    private const int TimedRuns = 7;
    private const int Seed = 42;

    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan s_runLength = TimeSpan.FromMilliseconds(400);

    private static readonly (string Name, int Bytes)[] s_sizes =
    [
        ("small", 2_000),
        ("medium", 50_000),
        ("large", 10_000_000),
    ];

    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var extractor = new ReportExtractor(ExtractionLimits.Default);
        output.WriteLine($"Parse throughput: median of {TimedRuns} runs of ~{s_runLength.TotalMilliseconds:0} ms after {s_warmUp.TotalSeconds:0.#} s warm-up");
        output.WriteLine($"{"case",-14} {"xml bytes",12} {"input bytes",12} {"records",8} {"MB/s",9} {"reports/s",11}");
        foreach (var (name, bytes) in s_sizes)
        {
            var xml = ReportGenerator.GenerateOfSize(bytes, Seed);
            Measure(output, extractor, $"{name} xml", xml, xml.Length);
            Measure(output, extractor, $"{name} xml.gz", Gzip(xml), xml.Length);
        }
    }

    private static void Measure(TextWriter output, ReportExtractor extractor, string name, byte[] input, int xmlBytes)
    {
        var records = ExtractOnce(extractor, input);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var warmUp = Stopwatch.StartNew();
        var warmUpIterations = 0;
        while (warmUp.Elapsed < s_warmUp || warmUpIterations < 3)
        {
            ExtractOnce(extractor, input);
            warmUpIterations++;
        }

        var perRun = Math.Max(1, (int)(warmUpIterations * (s_runLength / warmUp.Elapsed)));
        var rates = new double[TimedRuns];
        for (var run = 0; run < TimedRuns; run++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < perRun; i++)
            {
                ExtractOnce(extractor, input);
            }

            rates[run] = perRun / watch.Elapsed.TotalSeconds;
        }

        Array.Sort(rates);
        var reportsPerSecond = rates[TimedRuns / 2];
        output.WriteLine(
            $"{name,-14} {xmlBytes,12:N0} {input.Length,12:N0} {records,8:N0} {reportsPerSecond * xmlBytes / 1e6,9:F1} {reportsPerSecond,11:N0}");
    }

    private static int ExtractOnce(ReportExtractor extractor, byte[] input)
    {
        using var stream = new MemoryStream(input, writable: false);
        var reports = extractor.Extract(stream);
        return reports[0].Report.Records.Count;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return compressed.ToArray();
    }
}
