using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Testing;

/// <summary>A host (the Api, a silo, the Web app) as a child process on a free loopback port, healthy before it is
/// returned, stopped by its own PID (with its children) when disposed. Its output is kept for failure messages.</summary>
public sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private HostProcess(string name, Process process, Uri baseAddress)
    {
        _name = name;
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    /// <summary>The last lines the process wrote, for a test's failure message.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output);

    public static async Task<HostProcess> StartAsync(string name, string dll, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var process = Process.Start(StartInfo(dll, environment, ["--urls", $"http://127.0.0.1:{port}"]))!;
        process.StandardInput.Close();
        var host = new HostProcess(name, process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (process.HasExited)
            {
                var output = host.RecentOutput;
                host.Dispose();
                throw new InvalidOperationException($"{name} exited with code {process.ExitCode}:{Environment.NewLine}{output}");
            }

            await Task.Delay(100);
        }

        var recent = host.RecentOutput;
        host.Dispose();
        throw new TimeoutException($"{name} did not become healthy within 60 s:{Environment.NewLine}{recent}");
    }

    /// <summary>Runs a host's command (such as the Api's create-admin) to its end, with <paramref name="input"/> on its
    /// standard input; throws with its output when it fails.</summary>
    public static async Task RunAsync(string dll, IReadOnlyDictionary<string, string> environment, string[] arguments, string input)
    {
        using var process = Process.Start(StartInfo(dll, environment, arguments))!;
        await process.StandardInput.WriteLineAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(dll)} {string.Join(' ', arguments)} failed: {await output}{await error}");
        }
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

    /// <summary>The output of a project of this repository built in the same configuration as the caller, e.g.
    /// <c>DmarcSecurity.Api</c> -> <c>&lt;repo&gt;/DmarcSecurity.Api/bin/Release/net10.0/DmarcSecurity.Api.dll</c>.</summary>
    public static string ProjectDll(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var dll = Path.Combine(dir.FullName, project, "bin", configuration, "net10.0", project + ".dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        throw new FileNotFoundException($"{project} is not built ({configuration}); build the solution first.");
    }

    /// <summary>A port the system says is free and this process has not handed out before: the system may offer a port
    /// again as soon as the probe closes it, and a host's HTTP and Orleans ports must differ.</summary>
    public static int FreePort()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (s_handedOut)
            {
                if (s_handedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    private static readonly HashSet<int> s_handedOut = [];

    /// <summary>VmHWM: the peak resident set of the process since it started.</summary>
    public long PeakResidentMegabytes() => StatusMegabytes("VmHWM:");

    /// <summary>VmRSS: the resident set of the process now.</summary>
    public long ResidentMegabytes() => StatusMegabytes("VmRSS:");

    private long StatusMegabytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
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

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue($"[{_name}] {line}");
        while (_output.Count > 200)
        {
            _output.TryDequeue(out _);
        }
    }
}
