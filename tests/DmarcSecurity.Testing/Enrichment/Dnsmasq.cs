using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Testing.Enrichment;

/// <summary>
/// A throwaway dnsmasq (Debian package dnsmasq) on 127.0.0.1 and a free port, serving the PTR records it is given and
/// nothing else: no upstream, no hosts file, no configuration file. Zones named in <c>localZones</c> are answered
/// locally, so an address there without a record is NXDOMAIN; zones in <c>forwardZones</c> are sent to the given
/// resolver (a <see cref="SilentResolver"/> makes them time out). Lines of <c>configuration</c> are read as a dnsmasq
/// configuration file, where quoted values keep their commas (<c>txt-record=name,"v=DMARC1; rua=mailto:a@x,mailto:b@y"</c>),
/// which the command line does not. Stopped by its own PID when disposed.
/// </summary>
public sealed class Dnsmasq : IDisposable
{
    public const string Executable = "/usr/sbin/dnsmasq";
    private readonly Process _process;
    private string? _configuration;

    private Dnsmasq(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string Server => $"127.0.0.1:{Port}";

    public static bool Available => File.Exists(Executable);

    /// <param name="ptr">Address to name.</param>
    /// <param name="ttl">TTL of the answers, seconds.</param>
    /// <param name="cacheSize">dnsmasq's cache (0: none); records from a large <c>--addn-hosts</c> file are searched one
    /// by one without it.</param>
    public static async Task<Dnsmasq> StartAsync(
        IReadOnlyDictionary<string, string> ptr, int ttl = 600, IEnumerable<string>? localZones = null,
        IReadOnlyDictionary<string, IPEndPoint>? forwardZones = null, IEnumerable<string>? extra = null, int cacheSize = 0,
        IEnumerable<string>? configuration = null)
    {
        string? file = null;
        if (configuration is not null)
        {
            file = Path.Combine(Path.GetTempPath(), $"dnsmasq-{Guid.NewGuid():N}.conf");
            await File.WriteAllLinesAsync(file, configuration);
        }

        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in new[]
                     {
                         "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll", $"--port={port}",
                         "--listen-address=127.0.0.1", "--bind-interfaces", "--user=root", "--pid-file=", $"--local-ttl={ttl}",
                         $"--cache-size={cacheSize}", "--log-facility=-",
                     })
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (address, name) in ptr)
            {
                start.ArgumentList.Add($"--ptr-record={ReverseName(IPAddress.Parse(address))},{name}");
            }

            foreach (var zone in localZones ?? [])
            {
                start.ArgumentList.Add($"--local=/{zone}/");
            }

            foreach (var (zone, target) in forwardZones ?? new Dictionary<string, IPEndPoint>())
            {
                start.ArgumentList.Add($"--server=/{zone}/{target.Address}#{target.Port}");
            }

            foreach (var argument in extra ?? [])
            {
                start.ArgumentList.Add(argument);
            }

            if (file is not null)
            {
                start.ArgumentList.Add($"--conf-file={file}");
            }

            var process = Process.Start(start)!;
            var errors = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var server = new Dnsmasq(process, port);
            if (await server.ListeningAsync())
            {
                server._configuration = file;
                return server;
            }

            server.Dispose();
            if (attempt == 5)
            {
                if (file is not null)
                {
                    File.Delete(file);
                }

                lock (errors)
                {
                    throw new InvalidOperationException($"dnsmasq did not start on 127.0.0.1:{port}: {errors}");
                }
            }
        }
    }

    /// <summary>The in-addr.arpa or ip6.arpa name of an address.</summary>
    public static string ReverseName(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return string.Join('.', bytes.Reverse()) + ".in-addr.arpa";
        }

        var nibbles = bytes.SelectMany(b => new[] { b >> 4, b & 0xF }).Reverse().Select(n => n.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        return string.Join('.', nibbles) + ".ip6.arpa";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        if (_configuration is not null)
        {
            File.Delete(_configuration);
        }
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task<bool> ListeningAsync()
    {
        // A query for the server's own version (CHAOS TXT version.bind) is answered once it listens.
        byte[] query = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 7, .. "version"u8, 4, .. "bind"u8, 0, 0x00, 0x10, 0x00, 0x03];
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        for (var i = 0; i < 50 && !_process.HasExited; i++)
        {
            await udp.SendAsync(query, EndPoint);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            try
            {
                await udp.ReceiveAsync(wait.Token);
                return true;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                await Task.Delay(50);
            }
        }

        return false;
    }
}

/// <summary>A resolver on 127.0.0.1 that reads every query and never answers: lookups sent to it time out.</summary>
public sealed class SilentResolver : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();

    public SilentResolver()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _ = DrainAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public int Queries => _queries;

    private int _queries;

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task DrainAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                Interlocked.Increment(ref _queries);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}
