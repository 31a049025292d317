using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace DmarcSecurity.AppHost;

/// <summary>
/// A throwaway Redis server for the Orleans membership of several silos: the machine's <c>redis-server</c> on 127.0.0.1
/// and a free port, without persistence (the membership lives as long as the AppHost), run as a child process and
/// stopped by its PID.
/// </summary>
internal sealed class RedisServer
{
    private Process? _process;

    private RedisServer(string executable, int port)
    {
        Executable = executable;
        Port = port;
    }

    public string Executable { get; }

    public int Port { get; }

    public int? ProcessId => _process?.Id;

    public bool Running => _process is { HasExited: false };

    public string Address => $"redis://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The StackExchange.Redis connection string.</summary>
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <exception cref="InvalidOperationException">No redis-server on the PATH.</exception>
    public static RedisServer Create(int port)
    {
        var executable = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "--replicas silo=N (N > 1) joins the silos in one Orleans cluster through Redis, and redis-server is not installed. "
                + "Install it (Debian/Ubuntu: apt-get install redis-server) or run one silo.");
        return new RedisServer(executable, port);
    }

    public async Task StartAsync(CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(Executable,
            ["--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.WriteLine($"[redis] {line}");
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port, cancellation);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellation);
            }
        }

        throw new InvalidOperationException($"redis-server did not accept connections on 127.0.0.1:{Port} within 10 s.");
    }

    public void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(5_000);
        }
    }
}
