using System.Security.Cryptography;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Api.Posture;
using DmarcSecurity.Testing.Enrichment;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Tests.Posture;

/// <summary>
/// Test zones under <c>.test</c> served by a real dnsmasq on 127.0.0.1 (everything else under .test is NXDOMAIN):
/// a domain published as it should be, and domains each wrong in one way. DKIM keys are generated at start. Their
/// MTA-STS policy hosts resolve to 127.0.0.1, where <see cref="Https"/> serves the policy files.
/// </summary>
public sealed class PostureWorld : IAsyncLifetime
{
    public const string Good = "good.test";

    public const string GoodPolicy = "version: STSv1\r\nmode: enforce\r\nmx: mail.good.test\r\nmax_age: 604800\r\n";

    /// <summary>MTA-STS domains of the broken zones, each with its MX hosts.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> MtaStsDomains = new Dictionary<string, string[]>
    {
        ["wildcard.test"] = ["mx1.wildcard.test", "mx2.wildcard.test"],
        ["unmatched.test"] = ["mail.unmatched.test", "backup.unmatched.test", "a.b.unmatched.test"],
        ["testing.test"] = ["mail.testing.test"],
        ["malformed.test"] = ["mail.malformed.test"],
        [MtaStsServer.UntrustedDomain] = ["mail.untrusted.test"],
        [MtaStsServer.WrongHostDomain] = ["mail.wronghost.test"],
        ["redirect.test"] = ["mail.redirect.test"],
        ["notfound.test"] = ["mail.notfound.test"],
        ["big.test"] = ["mail.big.test"],
        ["slow.test"] = ["mail.slow.test"],
    };

    public MtaStsServer Https { get; private set; } = null!;

    public Dnsmasq Dns { get; private set; } = null!;

    /// <summary>The good domain with one change: p=none, a new SPF record, the DKIM key s1 gone.</summary>
    public Dnsmasq Changed { get; private set; } = null!;

    public static string RsaKey(int bits)
    {
        using var rsa = RSA.Create(bits);
        return Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    public async Task InitializeAsync()
    {
        Assert.True(Dnsmasq.Available, "dnsmasq is needed: test.sh installs it");
        var key2048 = RsaKey(2048);
        var key1024 = RsaKey(1024);
        Https = await MtaStsServer.StartAsync();
        Serve();
        Dns = await StartAsync(GoodZone(key2048, key1024, changed: false).Concat(BrokenZones()));
        Changed = await StartAsync(GoodZone(key2048, key1024, changed: true));
    }

    /// <summary>The policy files as the zones' domains serve them (again, after a test changed one).</summary>
    public void Serve()
    {
        Https.Responders[Good] = MtaStsServer.Policy(GoodPolicy);
        Https.Responders["wildcard.test"] = MtaStsServer.Policy("version: STSv1\r\nmode: enforce\r\nmx: *.wildcard.test\r\nmax_age: 86400\r\n");
        Https.Responders["unmatched.test"] = MtaStsServer.Policy("version: STSv1\r\nmode: enforce\r\nmx: mail.unmatched.test\r\nmx: *.unmatched.test\r\nmax_age: 86400\r\n");
        Https.Responders["testing.test"] = MtaStsServer.Policy("version: STSv1\nmode: testing\nmx: mail.testing.test\nmax_age: 3600\n", "text/html");
        Https.Responders["malformed.test"] = MtaStsServer.Policy("version: STSv1\r\nmode: block\r\nmx: mail.malformed.test\r\nmx: bad..name\r\nmax_age: forever\r\n");
        Https.Responders[MtaStsServer.UntrustedDomain] = MtaStsServer.Policy(GoodPolicy);
        Https.Responders[MtaStsServer.WrongHostDomain] = MtaStsServer.Policy(GoodPolicy);
        Https.Responders["redirect.test"] = context =>
        {
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = "https://policies.elsewhere.test/mta-sts.txt";
            return Task.CompletedTask;
        };
        Https.Responders["big.test"] = async context =>
        {
            // Without a Content-Length (chunked) and without end: only a reader that stops at its cap gets through.
            context.Response.ContentType = "text/plain";
            var line = System.Text.Encoding.ASCII.GetBytes("mx: mail.big.test\r\n");
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(line, context.RequestAborted);
            }
        };
        Https.Responders["slow.test"] = async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            await MtaStsServer.Policy(GoodPolicy)(context);
        };
    }

    private static Task<Dnsmasq> StartAsync(IEnumerable<string> records) =>
        Dnsmasq.StartAsync(new Dictionary<string, string>(), ttl: 60, localZones: ["test"], configuration: records);

    private static string Txt(string name, string text) => $"txt-record={name},\"{text}\"";

    private static IEnumerable<string> GoodZone(string key2048, string key1024, bool changed)
    {
        yield return Txt("_dmarc.good.test", changed
            ? "v=DMARC1; p=none; rua=mailto:dmarc@good.test,mailto:agg@reports.test; ruf=mailto:ruf@good.test; fo=1"
            : "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@good.test,mailto:agg@reports.test; ruf=mailto:ruf@good.test; fo=1");
        yield return Txt("good.test._report._dmarc.reports.test", "v=DMARC1");
        yield return Txt("good.test", changed ? "v=spf1 ip4:192.0.2.0/24 include:_spf.good.test mx a ~all" : "v=spf1 ip4:192.0.2.0/24 include:_spf.good.test mx a -all");
        yield return Txt("good.test", "google-site-verification=abc123");
        yield return Txt("_spf.good.test", "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 -all");
        yield return "mx-host=good.test,mail.good.test,10";
        yield return "host-record=mail.good.test,192.0.2.25";
        yield return "host-record=good.test,192.0.2.10";
        if (!changed)
        {
            yield return Txt("s1._domainkey.good.test", $"v=DKIM1; k=rsa; p={key2048}");
        }

        yield return Txt("k1024._domainkey.good.test", $"v=DKIM1; k=rsa; p={key1024}");
        yield return Txt("old._domainkey.good.test", "v=DKIM1; k=rsa; p=");
        yield return Txt("_mta-sts.good.test", "v=STSv1; id=20261207T000000");
        yield return "host-record=mta-sts.good.test,127.0.0.1";
        yield return Txt("_smtp._tls.good.test", "v=TLSRPTv1; rua=mailto:tls@good.test");
    }

    private static IEnumerable<string> BrokenZones()
    {
        // MTA-STS records whose policy hosts are served by Https; notfound.test has no responder there.
        foreach (var (domain, mx) in MtaStsDomains)
        {
            yield return Txt($"_mta-sts.{domain}", "v=STSv1; id=1");
            yield return $"host-record=mta-sts.{domain},127.0.0.1";
            foreach (var host in mx)
            {
                yield return $"mx-host={domain},{host},10";
            }
        }

        // A record announcing a policy whose host has no address.
        yield return Txt("_mta-sts.noaddress.test", "v=STSv1; id=1");

        // DMARC wrong in the syntax; no MTA-STS, no TLS-RPT.
        yield return Txt("_dmarc.baddmarc.test", "v=DMARC1; p=block; pct=200; rua=mailto:d@baddmarc.test; colour=blue");
        yield return Txt("baddmarc.test", "v=spf1 -all");

        // Reports to another organisation that has not agreed to take them.
        yield return Txt("_dmarc.noauth.test", "v=DMARC1; p=quarantine; rua=mailto:d@noauth.test,mailto:dmarc@elsewhere.test");
        yield return Txt("noauth.test", "v=spf1 -all");

        // Two DMARC records.
        yield return Txt("_dmarc.two.test", "v=DMARC1; p=reject; rua=mailto:d@two.test");
        yield return Txt("_dmarc.two.test", "v=DMARC1; p=none; rua=mailto:d@two.test");

        // SPF needing 11 lookups.
        yield return Txt("many.test", "v=spf1 " + string.Join(' ', Enumerable.Range(1, 11).Select(i => $"include:i{i}.many.test")) + " -all");
        foreach (var i in Enumerable.Range(1, 11))
        {
            yield return Txt($"i{i}.many.test", $"v=spf1 ip4:192.0.2.{i} -all");
        }

        // SPF with three void lookups.
        yield return Txt("void.test", "v=spf1 a:nx1.void.test a:nx2.void.test mx:nx3.void.test -all");

        // SPF loop.
        yield return Txt("loop.test", "v=spf1 include:loop2.test -all");
        yield return Txt("loop2.test", "v=spf1 include:loop.test -all");

        // Two SPF records, and +all.
        yield return Txt("twospf.test", "v=spf1 ip4:192.0.2.1 -all");
        yield return Txt("twospf.test", "v=spf1 +all");

        // The DMARC name leads through ten CNAMEs.
        yield return "cname=_dmarc.chain.test,c1.chain.test";
        foreach (var i in Enumerable.Range(1, 9))
        {
            yield return $"cname=c{i}.chain.test,c{i + 1}.chain.test";
        }

        yield return "host-record=c10.chain.test,192.0.2.1";

        // An include of a name that does not exist, next to one that exists without SPF.
        yield return Txt("gap.test", "v=spf1 include:nx.gap.test include:nospf.gap.test -all");
        yield return Txt("nospf.gap.test", "some-verification=1");

        // A TXT record of garbage too large for a UDP answer (dnsmasq reads lines of about 1,000 characters at most).
        yield return Txt("_dmarc.huge.test", "v=DMARC1; p=reject; " + new string('x', 950));
    }

    public Dictionary<string, string> Settings(Dnsmasq? server = null) => new()
    {
        ["Enrichment:Dns:Servers"] = (server ?? Dns).Server,
        ["Enrichment:Dns:Timeout"] = "00:00:00.500",
    };

    public DnsPostureChecker Checker(Dnsmasq? server = null, int maxLookups = 120, MtaStsConnection? connection = null, TimeSpan? mtaStsTimeout = null) =>
        Checker((server ?? Dns).Server, TimeSpan.FromMilliseconds(500), maxLookups, connection ?? Https.Connection, mtaStsTimeout);

    /// <param name="connection">How policy hosts are reached; the defaults (port 443, the system's roots) when null.</param>
    public static DnsPostureChecker Checker(
        string servers, TimeSpan timeout, int maxLookups = 120, MtaStsConnection? connection = null, TimeSpan? mtaStsTimeout = null)
    {
        var enrichment = Options.Create(new EnrichmentOptions { Dns = new DnsOptions { Servers = servers, Timeout = timeout } });
        var options = Options.Create(new PostureOptions { MaxLookups = maxLookups, MtaStsTimeout = mtaStsTimeout ?? TimeSpan.FromSeconds(10) });
        return new DnsPostureChecker(new PostureResolver(enrichment), new PublicSuffixListSource(enrichment, NullLogger<PublicSuffixListSource>.Instance),
            new MtaStsPolicyFetcher(connection ?? new MtaStsConnection(), options), options, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        Dns?.Dispose();
        Changed?.Dispose();
        if (Https is not null)
        {
            await Https.DisposeAsync();
        }
    }
}
