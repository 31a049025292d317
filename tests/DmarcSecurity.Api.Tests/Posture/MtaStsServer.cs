using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DmarcSecurity.Api.Posture;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Api.Tests.Posture;

/// <summary>
/// A real HTTPS server (Kestrel) on 127.0.0.1 serving <c>/.well-known/mta-sts.txt</c> for every <c>mta-sts.&lt;domain&gt;</c>
/// the test zones point at it, each answered by the responder set for its domain. Certificates are issued for the name
/// the client asks for (SNI) by a CA made for this run, except for <see cref="UntrustedDomain"/> (issued by another CA,
/// which no one trusts) and <see cref="WrongHostDomain"/> (issued for another name).
/// </summary>
public sealed class MtaStsServer : IAsyncDisposable
{
    public const string UntrustedDomain = "untrusted.test";
    public const string WrongHostDomain = "wronghost.test";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _untrustedCa;
    private readonly ConcurrentDictionary<string, X509Certificate2> _certificates = new(StringComparer.OrdinalIgnoreCase);

    private MtaStsServer(WebApplication app, X509Certificate2 ca, X509Certificate2 untrustedCa)
    {
        _app = app;
        _ca = ca;
        _untrustedCa = untrustedCa;
    }

    /// <summary>Responders by domain (the host without <c>mta-sts.</c>); a domain without one answers 404.</summary>
    public ConcurrentDictionary<string, Func<HttpContext, Task>> Responders { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Port => new Uri(_app.Urls.First()).Port;

    /// <summary>What a host serving these policy hosts registers: their port, and this run's CA as the only trusted root.</summary>
    public MtaStsConnection Connection => new() { Port = Port, TrustedRoots = [X509CertificateLoader.LoadCertificate(_ca.RawData)] };

    public static async Task<MtaStsServer> StartAsync()
    {
        var ca = CreateCa("CN=DmarcSecurity Test CA");
        var untrustedCa = CreateCa("CN=Untrusted Test CA");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        MtaStsServer? server = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0,
            listen => listen.UseHttps(https => https.ServerCertificateSelector = (_, name) => server!.CertificateFor(name ?? "localhost"))));
        builder.Logging.ClearProviders();
        // The Api's appsettings.json beside the tests allows only local host names.
        builder.Configuration["AllowedHosts"] = "*";
        var app = builder.Build();
        server = new MtaStsServer(app, ca, untrustedCa);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>A policy file served as it should be.</summary>
    public static Func<HttpContext, Task> Policy(string text, string contentType = "text/plain") => context =>
    {
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(text, context.RequestAborted);
    };

    private Task HandleAsync(HttpContext context)
    {
        var host = context.Request.Host.Host;
        if (context.Request.Path != "/.well-known/mta-sts.txt" || !host.StartsWith("mta-sts.", StringComparison.OrdinalIgnoreCase)
            || !Responders.TryGetValue(host["mta-sts.".Length..], out var responder))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return responder(context);
    }

    private X509Certificate2 CertificateFor(string name) => _certificates.GetOrAdd(name, n =>
        n.Equals($"mta-sts.{UntrustedDomain}", StringComparison.OrdinalIgnoreCase) ? Issue(_untrustedCa, n)
        : n.Equals($"mta-sts.{WrongHostDomain}", StringComparison.OrdinalIgnoreCase) ? Issue(_ca, "mta-sts.elsewhere.test")
        : Issue(_ca, n));

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string dnsName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ca.Dispose();
        _untrustedCa.Dispose();
        foreach (var certificate in _certificates.Values)
        {
            certificate.Dispose();
        }
    }
}
