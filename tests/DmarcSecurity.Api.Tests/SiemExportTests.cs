using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using DmarcSecurity.Api.Siem;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests;

/// <summary>Alerts and decisions go to Debian's rsyslog on 127.0.0.1 over UDP, TCP and TLS as RFC 5424 messages with a
/// JSON body, and to a Splunk HTTP Event Collector, each once; a target that is down holds back nothing for the rest.</summary>
public abstract class SiemExportTests(SiemApiFixture fixture) : IAsyncLifetime
{
    private Process? _rsyslog;
    private HttpReceiver? _splunk;

    public async Task InitializeAsync()
    {
        var dir = fixture.Directory;
        File.WriteAllText(Path.Combine(dir, "rsyslog.conf"), $$"""
            global(workDirectory="{{dir}}" DefaultNetstreamDriverCAFile="{{dir}}/ca.pem" DefaultNetstreamDriverCertFile="{{dir}}/cert.pem" DefaultNetstreamDriverKeyFile="{{dir}}/key.pem")
            module(load="imudp")
            module(load="imptcp")
            module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
            template(name="raw" type="string" string="%rawmsg%\n")
            ruleset(name="udp") { action(type="omfile" file="{{dir}}/udp.log" template="raw") }
            ruleset(name="tcp") { action(type="omfile" file="{{dir}}/tcp.log" template="raw") }
            ruleset(name="tls") { action(type="omfile" file="{{dir}}/tls.log" template="raw") }
            input(type="imudp" address="127.0.0.1" port="{{fixture.UdpPort}}" ruleset="udp")
            input(type="imptcp" address="127.0.0.1" port="{{fixture.TcpPort}}" ruleset="tcp")
            input(type="imtcp" address="127.0.0.1" port="{{fixture.TlsPort}}" ruleset="tls")
            """);
        _rsyslog = Process.Start(new ProcessStartInfo("/usr/sbin/rsyslogd", ["-n", "-f", Path.Combine(dir, "rsyslog.conf"), "-i", Path.Combine(dir, "rsyslog.pid")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        _splunk = await HttpReceiver.StartAsync(port: fixture.SplunkPort);
        await WaitForListenerAsync(fixture.TcpPort);
        await WaitForListenerAsync(fixture.TlsPort);
    }

    public async Task DisposeAsync()
    {
        if (_rsyslog is { HasExited: false })
        {
            _rsyslog.Kill();
            await _rsyslog.WaitForExitAsync();
        }

        _rsyslog?.Dispose();
        if (_splunk is not null)
        {
            await _splunk.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_alert_and_decision_reaches_each_target_once_as_RFC_5424_JSON()
    {
        var decision = Seed.Decision("203.0.113.44", severity: "Critical", action: "Block", score: 0.93);
        var alert = Seed.Alert("siem.example", severity: "High");
        await Seed.AddAsync(fixture, decision, alert);
        var exporter = fixture.Factory.Services.GetRequiredService<SiemExporter>();

        var first = await exporter.RunAsync(CancellationToken.None);
        var again = await exporter.RunAsync(CancellationToken.None);

        foreach (var target in new[] { "udp", "tcp", "tls", "splunk" })
        {
            Assert.Equal((1, 1, (string?)null), Assert.Single(first, r => r.Target == target) is var r ? (r.Alerts, r.Decisions, r.Error) : default);
            Assert.Equal((0, 0), Assert.Single(again, r => r.Target == target) is var a ? (a.Alerts, a.Decisions) : default);
        }

        var down = Assert.Single(first, r => r.Target == "down");
        Assert.NotNull(down.Error);
        Assert.Equal((0, 0), (down.Alerts, down.Decisions));

        foreach (var file in new[] { "udp.log", "tcp.log", "tls.log" })
        {
            var lines = await LinesAsync(Path.Combine(fixture.Directory, file), 2);
            var decisionLine = Assert.Single(lines, l => l.Contains(" dmarcsecurity - decision - ", StringComparison.Ordinal));
            // facility 13 (log audit) × 8 + severity 2 (critical) = 106; high alert: 13 × 8 + 3 = 107.
            Assert.StartsWith("<106>1 ", decisionLine, StringComparison.Ordinal);
            var json = JsonDocument.Parse(decisionLine[(decisionLine.IndexOf(" - decision - ", StringComparison.Ordinal) + 14)..]).RootElement;
            Assert.Equal(("decision", "203.0.113.44", "Block", 0.93), (json.GetProperty("type").GetString(), json.GetProperty("ip").GetString(),
                json.GetProperty("action").GetString(), json.GetProperty("score").GetDouble()));
            Assert.Equal(decision.Id, json.GetProperty("id").GetGuid());
            var alertLine = Assert.Single(lines, l => l.Contains(" dmarcsecurity - alert - ", StringComparison.Ordinal));
            Assert.StartsWith("<107>1 ", alertLine, StringComparison.Ordinal);
            Assert.Contains("\"key\":\"siem.example\"", alertLine, StringComparison.Ordinal);
        }

        var hec = Assert.Single(_splunk!.Requests);
        Assert.Equal("Splunk " + SiemApiFixture.SplunkToken, hec.Headers["Authorization"]);
        var events = System.Text.Encoding.UTF8.GetString(hec.Body).Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["alert", "decision"], events.Select(e => e.GetProperty("event").GetProperty("type").GetString()).Order());
        Assert.All(events, e => Assert.Equal(("dmarcsecurity", "dmarcsecurity:json", "security"),
            (e.GetProperty("source").GetString(), e.GetProperty("sourcetype").GetString(), e.GetProperty("index").GetString())));
    }

    [Fact]
    public async Task A_run_with_a_target_down_is_recorded_as_failed_and_counted_until_one_succeeds()
    {
        using var response = await fixture.Client.PostAsync("/api/jobs/siem-export/run", null);
        var run = JsonSerializer.Deserialize<DmarcSecurity.Api.Jobs.JobRunDto>(await response.Content.ReadAsStringAsync(), Upload.Json)!;

        Assert.Equal(DmarcSecurity.Data.Jobs.JobOutcome.Failed, run.Outcome);
        Assert.Contains("1 target(s) did not take the export", run.Error, StringComparison.Ordinal);
        Assert.Contains("down: 0 alert(s), 0 decision(s) (failed)", run.Error, StringComparison.Ordinal);
        var job = Assert.Single(await Upload.GetAsync<List<DmarcSecurity.Api.Jobs.JobDto>>(fixture.Client, "/api/jobs"), j => j.Name == "siem-export");
        Assert.True(job.FailuresInARow >= 1);
    }

    private static async Task<List<string>> LinesAsync(string path, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var lines = File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];
            if (lines.Count >= expected || DateTime.UtcNow > deadline)
            {
                return lines;
            }

            await Task.Delay(100);
        }
    }

    private static async Task WaitForListenerAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}

/// <summary>The Api with five SIEM targets: rsyslog over UDP, TCP and TLS (a certificate of a test authority the
/// target trusts), Splunk HEC, and a TCP receiver that is not there. The export is run by the tests, not on a timer.</summary>
public abstract class SiemApiFixture : ApiFixture
{
    public const string SplunkToken = "hec-token-for-tests";

    protected SiemApiFixture()
    {
        System.IO.Directory.CreateDirectory(Directory);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=DmarcSecurity test authority", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4, 5, 6, 7, 8]);
        File.WriteAllText(Path.Combine(Directory, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Directory, "cert.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
    }

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "dmarc-siem-" + Guid.NewGuid().ToString("N"));

    public int UdpPort { get; } = HostProcess.FreePort();

    public int TcpPort { get; } = HostProcess.FreePort();

    public int TlsPort { get; } = HostProcess.FreePort();

    public int SplunkPort { get; } = HostProcess.FreePort();

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Siem:PollInterval", "1.00:00:00"),
        new("Siem:Targets:udp:Kind", "Syslog"), new("Siem:Targets:udp:Host", "127.0.0.1"),
        new("Siem:Targets:udp:Port", UdpPort.ToString(CultureInfo.InvariantCulture)), new("Siem:Targets:udp:Transport", "Udp"),
        new("Siem:Targets:tcp:Kind", "Syslog"), new("Siem:Targets:tcp:Host", "127.0.0.1"),
        new("Siem:Targets:tcp:Port", TcpPort.ToString(CultureInfo.InvariantCulture)), new("Siem:Targets:tcp:Transport", "Tcp"),
        new("Siem:Targets:tls:Kind", "Syslog"), new("Siem:Targets:tls:Host", "localhost"),
        new("Siem:Targets:tls:Port", TlsPort.ToString(CultureInfo.InvariantCulture)), new("Siem:Targets:tls:Transport", "Tls"),
        new("Siem:Targets:tls:TrustedCertificate", Path.Combine(Directory, "ca.pem")),
        new("Siem:Targets:splunk:Kind", "SplunkHec"), new("Siem:Targets:splunk:Url", $"http://127.0.0.1:{SplunkPort}/hook"),
        new("Siem:Targets:splunk:Token", SplunkToken), new("Siem:Targets:splunk:Index", "security"),
        new("Siem:Targets:down:Kind", "Syslog"), new("Siem:Targets:down:Host", "127.0.0.1"),
        new("Siem:Targets:down:Port", HostProcess.FreePort().ToString(CultureInfo.InvariantCulture)), new("Siem:Targets:down:Transport", "Tcp"),
    ];
}

public sealed class SiemPostgreSqlApiFixture : SiemApiFixture
{
    public override DbProvider Provider => DbProvider.PostgreSql;
}

public sealed class SiemSqliteApiFixture : SiemApiFixture
{
    public override DbProvider Provider => DbProvider.Sqlite;
}

[Trait("Provider", "PostgreSql")]
public sealed class SiemExportPostgreSqlTests(SiemPostgreSqlApiFixture fixture) : SiemExportTests(fixture), IClassFixture<SiemPostgreSqlApiFixture>;

public sealed class SiemExportSqliteTests(SiemSqliteApiFixture fixture) : SiemExportTests(fixture), IClassFixture<SiemSqliteApiFixture>;
