using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using DmarcSecurity.Api.Ingestion;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// End-to-end ingest through the real Api process into PostgreSQL: 1,000 gzipped reports of 1,000 records each,
/// uploaded 10 files a request over a few concurrent connections; then a 200-file upload with 10 hostile files,
/// reporting the Api process's peak resident memory.
/// Needs DMARC_TEST_POSTGRES (an admin connection string) and DMARC_API_DLL (the built Api); bench/run.sh sets both.
/// </summary>
public static class IngestBenchmark
{
    private const int Reports = 1_000;
    private const int RecordsPerReport = 1_000;
    private const int FilesPerRequest = 10;
    private const int Concurrency = 3;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static async Task RunAsync(TextWriter output)
    {
        var admin = Environment.GetEnvironmentVariable("DMARC_TEST_POSTGRES")
            ?? throw new InvalidOperationException("DMARC_TEST_POSTGRES is not set: run bench/run.sh.");
        var apiDll = Environment.GetEnvironmentVariable("DMARC_API_DLL")
            ?? throw new InvalidOperationException("DMARC_API_DLL is not set: run bench/run.sh.");

        output.WriteLine();
        output.WriteLine($"== ingest: {Reports:N0} reports x {RecordsPerReport:N0} records through the Api into PostgreSQL ==");
        var generated = Stopwatch.StartNew();
        var files = new byte[Reports][];
        Parallel.For(0, Reports, i => files[i] = Gzip(ReportGenerator.Generate(RecordsPerReport, seed: i, domain: $"bench{i % 20}.example", org: i % 3 == 0 ? "google.com" : "Yahoo! Inc.")));
        output.WriteLine($"generated {files.Sum(f => (long)f.Length) / 1e6:F1} MB gzipped in {generated.Elapsed.TotalSeconds:F1} s (not timed)");

        var connectionString = await BenchDatabase.CreateAsync(admin, "ingest");
        using var api = await ApiHost.StartAsync(apiDll, connectionString);
        using var http = await ApiHost.CreateAnalystClientAsync(api);

        var batches = Enumerable.Range(0, Reports / FilesPerRequest).ToArray();
        long records = 0;
        var cpu = CpuMeter.Start(new() { ["api"] = [api.Id], ["benchmark client"] = [Environment.ProcessId] });
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (batch, ct) =>
        {
            var slice = Enumerable.Range(batch * FilesPerRequest, FilesPerRequest).Select(i => ($"r{i}.xml.gz", files[i])).ToArray();
            var result = await PostAsync(http, slice, ct);
            if (result.Stored != FilesPerRequest)
            {
                throw new InvalidOperationException($"batch {batch}: {result.Stored} stored, {result.Rejected} rejected: {result.Files.FirstOrDefault(f => f.Error is not null)?.Error}");
            }

            Interlocked.Add(ref records, result.Files.Sum(f => f.Records));
        });
        clock.Stop();
        var seconds = cpu.Stop();
        output.WriteLine($"stored {records:N0} records in {clock.Elapsed.TotalSeconds:F1} s: {records / clock.Elapsed.TotalSeconds:N0} records/s " +
                         $"({Reports / clock.Elapsed.TotalSeconds:N1} reports/s; {FilesPerRequest} files a request, {Concurrency} concurrent requests)");
        output.WriteLine("   CPU per record: " + string.Join(", ", seconds.Select(s => $"{s.Key} {s.Value * 1e6 / records:N1} µs")) +
                         $" ({seconds.Values.Sum() / clock.Elapsed.TotalSeconds:F2} of {Environment.ProcessorCount} cores busy)");
        output.WriteLine($"Api peak resident memory so far: {api.PeakResidentMegabytes():N0} MB");

        await MixedUploadAsync(output, http, api);
    }

    private static async Task MixedUploadAsync(TextWriter output, HttpClient http, HostProcess api)
    {
        output.WriteLine();
        output.WriteLine("== one upload of 200 files, 10 of them hostile (gzip bombs, XXE, traversal, junk, truncated) ==");
        var files = new List<(string, byte[])>();
        for (var i = 0; i < 200; i++)
        {
            files.Add(i % 20 == 3
                ? ($"hostile{i}", Hostile(i / 20))
                : ($"mixed{i}.xml.gz", Gzip(ReportGenerator.Generate(200, seed: 100_000 + i, domain: "mixed.example"))));
        }

        var clock = Stopwatch.StartNew();
        var result = await PostAsync(http, files.ToArray(), CancellationToken.None);
        output.WriteLine($"{result.Stored} stored, {result.Rejected} rejected in {clock.Elapsed.TotalSeconds:F2} s; reasons: " +
                         string.Join(", ", result.Files.Where(f => f.Reason is not null).GroupBy(f => f.Reason).Select(g => $"{g.Key} x{g.Count()}")));
        output.WriteLine($"Api peak resident memory: {api.PeakResidentMegabytes():N0} MB (the gzip bombs would inflate to 2 GB each)");
    }

    private static byte[] Hostile(int n) => (n % 5) switch
    {
        0 or 1 => GzipBomb(),
        2 => """<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]><feedback>&x;</feedback>"""u8.ToArray(),
        3 => ZipEntry("../../../etc/evil.xml", ReportGenerator.Generate(5, 1)),
        _ => ReportGenerator.Generate(50, 2)[..3000],
    };

    internal static async Task<IngestResponse> PostAsync(HttpClient http, (string Name, byte[] Bytes)[] files, CancellationToken ct)
    {
        using var content = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(part, "files", name);
        }

        using var response = await http.PostAsync("/api/ingest/files", content, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IngestResponse>(s_json, ct))!;
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] GzipBomb()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 2048; i++)
            {
                gzip.Write(zeros);
            }
        }

        return output.ToArray();
    }

    private static byte[] ZipEntry(string name, byte[] content)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry(name).Open();
            entry.Write(content);
        }

        return output.ToArray();
    }
}
