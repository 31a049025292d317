using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Testing.Enrichment;

/// <summary>
/// A resolver on 127.0.0.1 (UDP and TCP, one port) that answers every question with one TXT record of
/// <see cref="TxtLength"/> characters: over UDP with the truncated flag, so clients ask again over TCP, where the whole
/// record comes. For checking that hostile answers are handled, not just well-formed ones.
/// </summary>
public sealed class HostileResolver : IDisposable
{
    private readonly UdpClient _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();

    public HostileResolver(int txtLength)
    {
        TxtLength = txtLength;
        for (var attempt = 0; ; attempt++)
        {
            var port = Dnsmasq.FreePort();
            try
            {
                _tcp = new TcpListener(IPAddress.Loopback, port);
                _tcp.Start();
                _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                break;
            }
            catch (SocketException) when (attempt < 5)
            {
                _tcp?.Stop();
            }
        }

        _ = ServeUdpAsync();
        _ = ServeTcpAsync();
    }

    public int TxtLength { get; }

    public string Server => $"127.0.0.1:{((IPEndPoint)_tcp.LocalEndpoint).Port}";

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Stop();
        _stop.Dispose();
    }

    private async Task ServeUdpAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var query = await _udp.ReceiveAsync(_stop.Token);
                // The header and question only, flagged truncated: the client must come back over TCP.
                var answer = Answer(query.Buffer, truncated: true);
                await _udp.SendAsync(answer, query.RemoteEndPoint, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeTcpAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                _ = ConverseAsync(await _tcp.AcceptTcpClientAsync(_stop.Token));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>Answers the queries of one connection until the client closes it (clients keep connections for reuse).</summary>
    private async Task ConverseAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var length = new byte[2];
                while (!_stop.IsCancellationRequested)
                {
                    await stream.ReadExactlyAsync(length, _stop.Token);
                    var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                    await stream.ReadExactlyAsync(query, _stop.Token);
                    var answer = Answer(query, truncated: false);
                    var framed = new byte[answer.Length + 2];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                    answer.CopyTo(framed, 2);
                    await stream.WriteAsync(framed, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException or EndOfStreamException)
            {
            }
        }
    }

    private byte[] Answer(byte[] query, bool truncated)
    {
        // The question runs from byte 12 to the root label, then type and class.
        var end = 12;
        while (query[end] != 0)
        {
            end += query[end] + 1;
        }

        end += 5;
        using var message = new MemoryStream();
        message.Write(query.AsSpan(0, 2)); // id
        message.Write(truncated ? [0x83, 0x80] : [0x81, 0x80]); // response, recursion desired and available, TC when truncated
        message.Write([0, 1, 0, truncated ? (byte)0 : (byte)1, 0, 0, 0, 0]);
        message.Write(query.AsSpan(12, end - 12));
        if (!truncated)
        {
            var strings = new MemoryStream();
            for (var left = TxtLength; left > 0; left -= 255)
            {
                var part = Math.Min(255, left);
                strings.WriteByte((byte)part);
                strings.Write(Enumerable.Repeat((byte)'x', part).ToArray());
            }

            message.Write([0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 60]);
            var rdata = strings.ToArray();
            message.Write([(byte)(rdata.Length >> 8), (byte)rdata.Length]);
            message.Write(rdata);
        }

        return message.ToArray();
    }
}
