using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DmarcSecurity.Core.Posture;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Posture;

/// <summary>How policy hosts are reached. The service registers the defaults (port 443, the system's trust store); only
/// a host that serves its own policy hosts (a test, a private CA) registers another.</summary>
public sealed class MtaStsConnection
{
    public int Port { get; init; } = 443;

    /// <summary>Roots trusted instead of the system's; null: the system's. Host names are checked either way.</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }
}

/// <summary>The policy file's text, or null when it could not be had; the findings say why, or what was odd.</summary>
public sealed record MtaStsFetch(string? Text, IReadOnlyList<PostureFinding> Findings);

/// <summary>
/// Fetches <c>https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt</c> as RFC 8461 section 3.3 says senders do: HTTPS
/// only, a certificate valid for the policy host, no redirects, 200 only, at most <see cref="MaxBytes"/> read, within
/// <see cref="PostureOptions.MtaStsTimeout"/>. The host is reached at the addresses the check resolved through the
/// posture resolvers, never through the system's. Every failure is a finding; nothing here throws for what a server does.
/// </summary>
public sealed class MtaStsPolicyFetcher(MtaStsConnection connection, IOptions<PostureOptions> options)
{
    /// <summary>RFC 8461 section 3.3 lets senders cap the policy size; 64 KiB is what common senders use.</summary>
    public const int MaxBytes = 64 * 1024;

    public static string Url(string host) => $"https://{host}/.well-known/mta-sts.txt";

    public async Task<MtaStsFetch> FetchAsync(string host, IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
    {
        var url = Url(host);
        var timeout = options.Value.MtaStsTimeout;
        var certificateErrors = SslPolicyErrors.None;
        var chainStatus = "";
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = (_, token) => ConnectAsync(addresses, connection.Port, token),
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = connection.TrustedRoots is { } roots ? CustomTrust(roots) : null,
                // The platform's own verdict (chain and name for the target host), only remembered to say what was wrong.
                RemoteCertificateValidationCallback = (_, _, chain, errors) =>
                {
                    certificateErrors = errors;
                    chainStatus = string.Join(", ", chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct() ?? []);
                    return errors == SslPolicyErrors.None;
                },
            },
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        request.Headers.ConnectionClose = true;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                var location = response.Headers.Location?.ToString() ?? "nowhere";
                return Failed("mta-sts.policy-redirect",
                    $"{url} answers {status} and redirects to '{TagList.Quote(location, 120)}'; senders do not follow redirects, so they have no policy.");
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return Failed("mta-sts.policy-status", $"{url} answers {status} {response.ReasonPhrase}; senders accept only 200, so they have no policy.");
            }

            if (response.Content.Headers.ContentLength is > MaxBytes and var length)
            {
                return Failed("mta-sts.policy-too-large", $"{url} is {length:N0} bytes, more than the {MaxBytes / 1024} KiB senders read; it was not read.");
            }

            var findings = new List<PostureFinding>();
            if (response.Content.Headers.ContentType?.MediaType is not { } type || !type.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
            {
                findings.Add(PostureFinding.Warning("mta-sts.policy-content-type",
                    $"{url} is served as '{TagList.Quote(response.Content.Headers.ContentType?.ToString() ?? "(no Content-Type)", 60)}', not text/plain; some senders refuse it."));
            }

            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
            var buffer = new byte[MaxBytes + 1];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), deadline.Token)) > 0)
            {
                read += n;
            }

            if (read > MaxBytes)
            {
                return Failed("mta-sts.policy-too-large", $"{url} is more than the {MaxBytes / 1024} KiB senders read; the rest was not read.");
            }

            return new MtaStsFetch(Encoding.UTF8.GetString(buffer, 0, read), findings);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed("mta-sts.policy-timeout", $"{url} did not answer within {timeout.TotalSeconds:0.#} s; senders give up too.");
        }
        catch (HttpRequestException) when (certificateErrors != SslPolicyErrors.None)
        {
            return Failed("mta-sts.policy-certificate", $"The certificate of {host} is not valid: {Describe(host, certificateErrors, chainStatus)}. Senders refuse the policy.");
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            return Failed("mta-sts.policy-tls", $"No TLS connection to {host}: {Innermost(e)}.");
        }
        catch (HttpRequestException e)
        {
            return Failed("mta-sts.policy-unreachable", $"{url} could not be fetched: {Innermost(e)}.");
        }
    }

    private static MtaStsFetch Failed(string code, string message) => new(null, [PostureFinding.Error(code, message)]);

    private static X509ChainPolicy CustomTrust(X509Certificate2Collection roots)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(roots);
        return policy;
    }

    private static string Describe(string host, SslPolicyErrors errors, string chainStatus)
    {
        var reasons = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            reasons.Add($"it is not issued for {host}");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            reasons.Add($"its chain does not lead to a trusted authority ({(chainStatus.Length > 0 ? chainStatus : "chain errors")})");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            reasons.Add("the server sent none");
        }

        return string.Join("; ", reasons);
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message.TrimEnd('.');
    }

    private static async ValueTask<Stream> ConnectAsync(IReadOnlyList<IPAddress> addresses, int port, CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
