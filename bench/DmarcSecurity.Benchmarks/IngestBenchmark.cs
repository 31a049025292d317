using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using DmarcSecurity.Api.Ingestion;
using Npgsql;

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

        var database = "bench_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
        using var api = await ApiProcess.StartAsync(apiDll, connectionString);
        using var http = await api.CreateAnalystClientAsync();

        var batches = Enumerable.Range(0, Reports / FilesPerRequest).ToArray();
        long records = 0;
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
        output.WriteLine($"stored {records:N0} records in {clock.Elapsed.TotalSeconds:F1} s: {records / clock.Elapsed.TotalSeconds:N0} records/s " +
                         $"({Reports / clock.Elapsed.TotalSeconds:N1} reports/s; {FilesPerRequest} files a request, {Concurrency} concurrent requests)");
        output.WriteLine($"Api peak resident memory so far: {api.PeakResidentMegabytes():N0} MB");

        await MixedUploadAsync(output, http, api);
    }

    private static async Task MixedUploadAsync(TextWriter output, HttpClient http, ApiProcess api)
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

    private static async Task<IngestResponse> PostAsync(HttpClient http, (string Name, byte[] Bytes)[] files, CancellationToken ct)
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

    private static byte[] Gzip(byte[] data)
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

/// <summary>The Api as a child process on a free loopback port, stopped by its own PID when disposed.</summary>
internal sealed class ApiProcess : IDisposable
{
    private readonly Process _process;

    private ApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    private const string BenchEmail = "bench@bench.example";
    private const string BenchPassword = "benchmark-passphrase-1";

    /// <summary>Creates an Admin with the Api's own command, then starts the Api in Production with a fresh signing key.</summary>
    public static async Task<ApiProcess> StartAsync(string apiDll, string connectionString)
    {
        var signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(66));
        using (var create = Process.Start(Start(apiDll, connectionString, signingKey, ["create-admin", "--email", BenchEmail]))!)
        {
            await create.StandardInput.WriteLineAsync(BenchPassword);
            create.StandardInput.Close();
            await create.WaitForExitAsync();
            if (create.ExitCode != 0)
            {
                throw new InvalidOperationException("create-admin failed: " + await create.StandardError.ReadToEndAsync());
            }
        }

        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var process = Process.Start(Start(apiDll, connectionString, signingKey, ["--urls", $"http://127.0.0.1:{port}"]))!;
        process.StandardInput.Close();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("[api] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return api;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"The Api exited with code {process.ExitCode}.");
            }

            await Task.Delay(100);
        }

        api.Dispose();
        throw new TimeoutException("The Api did not become healthy within 30 s.");
    }

    /// <summary>A client that sends an Analyst API key made by the benchmark's Admin.</summary>
    public async Task<HttpClient> CreateAnalystClientAsync()
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email = BenchEmail, password = BenchPassword });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await http.PostAsJsonAsync("/api/api-keys", new { name = "benchmark", role = "Analyst" });
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString();
        http.DefaultRequestHeaders.Authorization = null;
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    private static ProcessStartInfo Start(string apiDll, string connectionString, string signingKey, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [apiDll, .. arguments])
        {
            WorkingDirectory = Path.GetDirectoryName(apiDll)!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__dmarcdb"] = connectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Auth__SigningKey"] = signingKey;
        start.Environment["Auth__PermitsPerMinute"] = "1000000";
        return start;
    }

    /// <summary>VmHWM: the peak resident set of the Api process since it started.</summary>
    public long PeakResidentMegabytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
