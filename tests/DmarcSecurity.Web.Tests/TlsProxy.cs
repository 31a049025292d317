using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DmarcSecurity.Web.Tests;

/// <summary>
/// The TLS-ending proxy in front of the Web app, as in production: the browser speaks HTTPS to it (a self-signed
/// certificate for localhost, which the browser contexts are told to accept), and it passes the bytes on over plain HTTP
/// from loopback, a known proxy, adding <c>X-Forwarded-Proto: https</c> to every request as such a proxy does, so the Web
/// app sees an HTTPS request: Secure cookies, antiforgery and redirects as deployed. (The browser's own extra headers
/// are not enough: Chromium leaves them off some requests, such as a font fetched for a style sheet now and then.)
/// </summary>
internal sealed class TlsProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate = CreateCertificate();
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();

    public TlsProxy(Uri upstream)
    {
        _upstream = new IPEndPoint(IPAddress.Parse(upstream.Host), upstream.Port);
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _certificate.Dispose();
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
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        try
        {
            using (client)
            using (var tls = new SslStream(client.GetStream()))
            using (var upstream = new TcpClient())
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                await upstream.ConnectAsync(_upstream, _stop.Token);
                var web = upstream.GetStream();
                await Task.WhenAny(ForwardRequestsAsync(tls, web, _stop.Token), web.CopyToAsync(tls, _stop.Token));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or AuthenticationException or ObjectDisposedException)
        {
            // A browser or the Web app closed its side; the other side closes with it.
        }
    }

    /// <summary>
    /// Passes the browser's HTTP/1.1 requests on one by one, each head with the proxy's <c>X-Forwarded-Proto</c> in place of
    /// any the browser sent, each body by its Content-Length; after a protocol upgrade (Blazor's WebSocket) the bytes
    /// pass unchanged.
    /// </summary>
    private static async Task ForwardRequestsAsync(Stream browser, Stream web, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            int headEnd;
            while ((headEnd = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == buffer.Length)
                {
                    throw new IOException("A request head larger than 64 KB.");
                }

                var read = await browser.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return;
                }

                length += read;
            }

            var lines = Encoding.Latin1.GetString(buffer, 0, headEnd).Split("\r\n");
            var head = new StringBuilder(lines[0]).Append("\r\n");
            long bodyLength = 0;
            var upgrade = false;
            foreach (var line in lines.Skip(1))
            {
                var name = line[..Math.Max(0, line.IndexOf(':', StringComparison.Ordinal))].Trim();
                var value = line[(name.Length + 1)..].Trim();
                if (name.Equals("X-Forwarded-Proto", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    throw new IOException("A chunked request body, which this proxy does not frame.");
                }

                bodyLength = name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ? long.Parse(value, CultureInfo.InvariantCulture) : bodyLength;
                upgrade |= name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase);
                head.Append(line).Append("\r\n");
            }

            head.Append("X-Forwarded-Proto: https\r\n\r\n");
            await web.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken);
            length -= headEnd + 4;
            buffer.AsSpan(headEnd + 4, length).CopyTo(buffer);

            if (upgrade)
            {
                await web.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
                await browser.CopyToAsync(web, cancellationToken);
                return;
            }

            while (bodyLength > 0)
            {
                if (length == 0)
                {
                    length = await browser.ReadAsync(buffer, cancellationToken);
                    if (length == 0)
                    {
                        return;
                    }
                }

                var part = (int)Math.Min(length, bodyLength);
                await web.WriteAsync(buffer.AsMemory(0, part), cancellationToken);
                bodyLength -= part;
                length -= part;
                buffer.AsSpan(part, length).CopyTo(buffer);
            }
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
