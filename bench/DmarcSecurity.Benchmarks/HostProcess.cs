using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace DmarcSecurity.Benchmarks;

/// <summary>A host (the Api or a silo) as a child process on a free loopback port, healthy before it is returned,
/// stopped by its own PID when disposed.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<HostProcess> StartAsync(string name, string dll, IReadOnlyDictionary<string, string> environment)
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var process = Process.Start(StartInfo(dll, environment, ["--urls", $"http://127.0.0.1:{port}"]))!;
        process.StandardInput.Close();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{name}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new HostProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {process.ExitCode}.");
            }

            await Task.Delay(100);
        }

        host.Dispose();
        throw new TimeoutException($"{name} did not become healthy within 30 s.");
    }

    public static ProcessStartInfo StartInfo(string dll, IReadOnlyDictionary<string, string> environment, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>VmHWM: the peak resident set of the process since it started.</summary>
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

/// <summary>The Api for benchmarks: an Admin made with the Api's own create-admin command, a fresh signing key, and
/// rate limits out of the way.</summary>
internal static class ApiHost
{
    private const string Email = "bench@bench.example";
    private const string Password = "benchmark-passphrase-1";

    public static async Task<HostProcess> StartAsync(string apiDll, string connectionString)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__dmarcdb"] = connectionString,
            ["Auth__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(66)),
            ["Auth__PermitsPerMinute"] = "1000000",
        };
        using (var create = Process.Start(HostProcess.StartInfo(apiDll, environment, ["create-admin", "--email", Email]))!)
        {
            await create.StandardInput.WriteLineAsync(Password);
            create.StandardInput.Close();
            await create.WaitForExitAsync();
            if (create.ExitCode != 0)
            {
                throw new InvalidOperationException("create-admin failed: " + await create.StandardError.ReadToEndAsync());
            }
        }

        return await HostProcess.StartAsync("api", apiDll, environment);
    }

    /// <summary>A client that sends an Analyst API key made by the benchmark's Admin.</summary>
    public static async Task<HttpClient> CreateAnalystClientAsync(HostProcess api)
    {
        var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email = Email, password = Password });
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
}
