using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DmarcSecurity.Web.Tests;

/// <summary>
/// The TLS-ending proxy in front of the Web app, as in production: the browser speaks HTTPS to it (a self-signed
/// certificate for localhost, which the browser contexts are told to accept), and it passes the bytes on over plain HTTP
/// from loopback, a known proxy. The browser adds <c>X-Forwarded-Proto: https</c> itself (<see cref="Platform.ProxyHeaders"/>),
/// as such a proxy would, so the Web app sees an HTTPS request: Secure cookies, antiforgery and redirects as deployed.
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
                await Task.WhenAny(tls.CopyToAsync(web, _stop.Token), web.CopyToAsync(tls, _stop.Token));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or AuthenticationException or ObjectDisposedException)
        {
            // A browser or the Web app closed its side; the other side closes with it.
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
