using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Testing;

/// <summary>The test script's Redis (<c>DMARC_TEST_REDIS</c>), or the machine's redis-server started on 127.0.0.1 for
/// one test; a test that stops and starts Redis asks for a server of its own.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly int _port;
    private Process? _process;

    private RedisServer(string connectionString, int port)
    {
        ConnectionString = connectionString;
        _port = port;
    }

    public string ConnectionString { get; }

    /// <summary>The shared server when there is one and <paramref name="own"/> is false; else one started for the caller.</summary>
    public static RedisServer Start(bool own = false)
    {
        if (!own && Environment.GetEnvironmentVariable("DMARC_TEST_REDIS") is { Length: > 0 } shared)
        {
            return new RedisServer(shared, 0);
        }

        var port = HostProcess.FreePort();
        var server = new RedisServer($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", port);
        server.Resume();
        return server;
    }

    /// <summary>Stops a server started for the caller (its data is gone: it keeps nothing on disk).</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts a stopped server again on the same port.</summary>
    public void Resume()
    {
        _process = Process.Start(new ProcessStartInfo("redis-server",
            ["--bind", "127.0.0.1", "--port", _port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, _port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new InvalidOperationException($"redis-server did not start on 127.0.0.1:{_port}.");
    }

    public void Dispose() => Stop();
}
