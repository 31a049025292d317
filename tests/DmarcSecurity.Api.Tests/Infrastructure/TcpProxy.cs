using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Api.Tests.Infrastructure;

/// <summary>
/// Forwards 127.0.0.1 connections to a server and can cut them: at once, or once the server has sent a given
/// number of further bytes (to drop a connection in the middle of a message's transfer); and can refuse new ones, as a
/// server that went away does.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly ConcurrentDictionary<Guid, (TcpClient Client, TcpClient Server)> _pairs = new();
    private readonly CancellationTokenSource _stop = new();
    private long _dropAfterServerBytes = -1;

    public TcpProxy(int target)
    {
        _target = target;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>While set, a new connection is reset as soon as it is accepted.</summary>
    public bool Refusing { get; set; }

    /// <summary>Connections cut so far.</summary>
    public int Drops { get; private set; }

    /// <summary>The next connection to carry this many more bytes from the server is cut in the middle of them.</summary>
    public void DropAfterServerBytes(long bytes) => Interlocked.Exchange(ref _dropAfterServerBytes, bytes);

    public void DropAll()
    {
        foreach (var id in _pairs.Keys)
        {
            Cut(id, counted: true);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            if (Refusing)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var id = Guid.NewGuid();
            _pairs[id] = (client, server);
            _ = PumpAsync(id, client.GetStream(), server.GetStream(), fromServer: false);
            _ = PumpAsync(id, server.GetStream(), client.GetStream(), fromServer: true);
        }
    }

    private async Task PumpAsync(Guid id, NetworkStream from, NetworkStream to, bool fromServer)
    {
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (fromServer && Interlocked.Read(ref _dropAfterServerBytes) >= 0 && Interlocked.Add(ref _dropAfterServerBytes, -read) < 0)
                {
                    Interlocked.Exchange(ref _dropAfterServerBytes, -1);
                    await to.WriteAsync(buffer.AsMemory(0, read / 2), _stop.Token);
                    Cut(id, counted: true);
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception)
        {
        }

        Cut(id, counted: false);
    }

    private void Cut(Guid id, bool counted)
    {
        if (_pairs.TryRemove(id, out var pair))
        {
            if (counted)
            {
                Drops++;
            }

            pair.Client.Client.LingerState = new LingerOption(true, 0);
            pair.Client.Dispose();
            pair.Server.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        _stop.Dispose();
    }
}
