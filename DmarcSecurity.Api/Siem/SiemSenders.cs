using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DmarcSecurity.Api.Siem;

/// <summary>Sends a batch of events to one target; throws when the target did not take them.</summary>
internal static class SiemSenders
{
    public const string HttpClientName = "siem";

    public static Task SendAsync(SiemTargetOptions target, IReadOnlyList<SiemEvent> events, IHttpClientFactory http, CancellationToken cancellationToken) =>
        target.Kind == SiemKind.SplunkHec ? SplunkAsync(target, events, http, cancellationToken) : SyslogAsync(target, events, cancellationToken);

    private static async Task SyslogAsync(SiemTargetOptions target, IReadOnlyList<SiemEvent> events, CancellationToken cancellationToken)
    {
        var host = Environment.MachineName;
        var port = target.Port ?? (target.Transport == SyslogTransport.Tls ? 6514 : 514);
        if (target.Transport == SyslogTransport.Udp)
        {
            using var udp = new UdpClient();
            udp.Connect(target.Host!, port);
            foreach (var e in events)
            {
                await udp.SendAsync(e.Syslog(target.Facility, host), cancellationToken);
            }

            return;
        }

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(target.Host!, port, cancellationToken);
        Stream stream = tcp.GetStream();
        if (target.Transport == SyslogTransport.Tls)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = target.Host,
                RemoteCertificateValidationCallback = target.TrustedCertificate is { Length: > 0 } ca ? TrustOnly(ca) : null,
            }, cancellationToken);
            stream = tls;
        }

        await using (stream)
        {
            // RFC 6587 octet counting: "<length> <message>", so a message may hold any byte.
            foreach (var e in events)
            {
                var message = e.Syslog(target.Facility, host);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{message.Length} "), cancellationToken);
                await stream.WriteAsync(message, cancellationToken);
            }

            await stream.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Accepts the receiver's certificate only when it chains to <paramref name="caPath"/> and names the host.</summary>
    private static RemoteCertificateValidationCallback TrustOnly(string caPath)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
    }

    private static async Task SplunkAsync(SiemTargetOptions target, IReadOnlyList<SiemEvent> events, IHttpClientFactory http, CancellationToken cancellationToken)
    {
        var host = Environment.MachineName;
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url)
        {
            // HEC takes several events in one request, one JSON object after the other.
            Content = new StringContent(string.Join('\n', events.Select(e => e.Hec(host, target))), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Splunk", target.Token);
        using var client = http.CreateClient(HttpClientName);
        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"Splunk answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}", null, response.StatusCode);
        }
    }
}
