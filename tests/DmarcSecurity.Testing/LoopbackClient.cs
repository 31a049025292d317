using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Testing;

/// <summary>HTTP from a chosen loopback address (127.0.0.2, 127.0.0.3, ...): every connection is bound to it before it
/// connects, so one test can be several clients, or a client that is not the trusted proxy at 127.0.0.1.</summary>
public static class LoopbackClient
{
    public static SocketsHttpHandler HandlerFrom(string localAddress)
    {
        var local = IPAddress.Parse(localAddress);
        return new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
