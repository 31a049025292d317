using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DmarcSecurity.Testing;

/// <summary>
/// A Dovecot IMAP server of the test's own: Debian's <c>/usr/sbin/dovecot</c> with a configuration, mail and users
/// in a temporary folder, listening on 127.0.0.1 only, plain-text login against a passwd file. It runs as an
/// unprivileged user (the <c>dovecot</c> account when the tests run as root, the current user otherwise) and can be
/// stopped and started again on the same port and mail, as a server restart. Started with <see cref="DovecotTls"/> it
/// offers STARTTLS on <see cref="Port"/> and TLS from the first byte on <see cref="TlsPort"/>, with a self-signed
/// certificate generated for the test (for 127.0.0.1 and localhost); without it, neither.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/dovecot";

    private readonly string _root;
    private Process? _process;

    private DovecotServer(string root, int port, int tlsPort)
    {
        _root = root;
        Port = port;
        TlsPort = tlsPort;
    }

    /// <summary>Plain IMAP, with STARTTLS offered when the server has a certificate.</summary>
    public int Port { get; }

    /// <summary>IMAP over TLS from the first byte (imaps); 0 without a certificate.</summary>
    public int TlsPort { get; }

    /// <summary>The server's certificate, when it has one.</summary>
    public X509Certificate2? Certificate { get; private set; }

    /// <summary>SHA-256 fingerprint of <see cref="Certificate"/>, as 64 upper-case hex digits.</summary>
    public string? CertificateFingerprint => Certificate is null ? null : Convert.ToHexString(SHA256.HashData(Certificate.RawData));

    public static Task<DovecotServer> StartAsync(params (string User, string Password)[] users) => StartAsync(DovecotTls.None, users);

    public static async Task<DovecotServer> StartAsync(DovecotTls tls, params (string User, string Password)[] users)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException(
                $"{Binary} is missing. Run the tests with ./test.sh, which installs Debian's dovecot-imapd (scripts/dovecot.sh).");
        }

        var root = Path.Combine(Path.GetTempPath(), "dmarc-dovecot-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(root, "run"));
        Directory.CreateDirectory(Path.Combine(root, "state"));
        Directory.CreateDirectory(Path.Combine(root, "mail"));
        var server = new DovecotServer(root, FreePort(), tls == DovecotTls.SelfSigned ? FreePort() : 0);
        var ssl = "ssl = no";
        var imaps = "port = 0";
        if (tls == DovecotTls.SelfSigned)
        {
            server.Certificate = await WriteCertificateAsync(root);
            ssl = $"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem";
            imaps = $"address = 127.0.0.1\nport = {server.TlsPort}\nssl = yes";
        }

        var account = IsRoot ? "dovecot" : Environment.UserName;
        await File.WriteAllTextAsync(Path.Combine(root, "users"), string.Concat(users.Select(u => $"{u.User}:{{PLAIN}}{u.Password}::::::\n")));
        await File.WriteAllTextAsync(Path.Combine(root, "dovecot.conf"), $$"""
            base_dir = {{root}}/run
            state_dir = {{root}}/state
            instance_name = dmarc-tests-{{server.Port}}
            listen = 127.0.0.1
            protocols = imap
            {{ssl}}
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            first_valid_uid = 1
            first_valid_gid = 1
            default_internal_user = {{account}}
            default_internal_group = {{account}}
            default_login_user = {{account}}
            log_path = {{root}}/dovecot.log
            mail_location = maildir:{{root}}/mail/%u
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{root}}/users
            }
            userdb {
              driver = static
              args = uid={{account}} gid={{account}} home={{root}}/mail/%u
            }
            service imap-login {
              chroot =
              inet_listener imap {
                address = 127.0.0.1
                port = {{server.Port}}
              }
              inet_listener imaps {
                {{imaps}}
              }
            }
            service anvil {
              chroot =
            }
            service auth {
              user = {{account}}
            }
            service auth-worker {
              user = {{account}}
            }
            """);
        if (IsRoot)
        {
            await RunAsync("chown", "-R", "dovecot:dovecot", root);
        }

        await server.StartAsync();
        return server;
    }

    /// <summary>Delivers a message to the user's INBOX as a local delivery agent does: a file in the Maildir's <c>new/</c>.</summary>
    public async Task DeliverAsync(string user, byte[] message)
    {
        var maildir = Path.Combine(_root, "mail", user);
        foreach (var folder in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, folder));
        }

        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.M{Random.Shared.Next(1_000_000)}P{Environment.ProcessId}.dmarc-tests";
        var temporary = Path.Combine(maildir, "tmp", name);
        await File.WriteAllBytesAsync(temporary, message);
        if (IsRoot)
        {
            await RunAsync("chown", "-R", "dovecot:dovecot", maildir);
        }

        File.Move(temporary, Path.Combine(maildir, "new", name));
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost, valid from yesterday for a week, as PEM files.</summary>
    private static async Task<X509Certificate2> WriteCertificateAsync(string root)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=dovecot.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        await File.WriteAllTextAsync(Path.Combine(root, "cert.pem"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(root, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
    }

    /// <summary>Starts the server (again) on the same port, mail and users.</summary>
    public async Task StartAsync()
    {
        var start = IsRoot
            ? new ProcessStartInfo("setpriv", ["--reuid=dovecot", "--regid=dovecot", "--init-groups", Binary, "-F", "-c", Path.Combine(_root, "dovecot.conf")])
            : new ProcessStartInfo(Binary, ["-F", "-c", Path.Combine(_root, "dovecot.conf")]);
        // Not redirected: the master's children inherit its standard streams, and a pipe held open by a leftover
        // child would keep WaitForExit waiting. Dovecot writes its log to log_path.
        _process = Process.Start(start) ?? throw new InvalidOperationException("dovecot did not start");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"dovecot exited with {_process.ExitCode}: {Log()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var buffer = new byte[256];
                var read = await client.GetStream().ReadAsync(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).Contains("Dovecot", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"dovecot did not answer on 127.0.0.1:{Port}: {Log()}");
    }

    /// <summary>Stops the server as an administrator would (SIGTERM), dropping every connection, and waits for it to go.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        // Dovecot's master leaves the processes serving open connections running when it stops; a service manager
        // stops the whole group, and so does this: the master's descendants are taken down with it, by their ids.
        var descendants = Descendants(process.Id);
        await RunAsync("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        foreach (var pid in descendants)
        {
            try
            {
                using var child = Process.GetProcessById(pid);
                child.Kill();
                await child.WaitForExitAsync();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
            }
        }

        // Wait until the port is free for a restart.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && IsListening())
        {
            await Task.Delay(100);
        }

        process.Dispose();
        _process = null;
    }

    public string Log() => File.Exists(Path.Combine(_root, "dovecot.log")) ? File.ReadAllText(Path.Combine(_root, "dovecot.log")) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private bool IsListening()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Every process below <paramref name="root"/>, read from /proc.</summary>
    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ...": the command may hold spaces and parentheses, so parse after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
        }

        var found = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents)
            {
                if (ppid == parent)
                {
                    found.Add(pid);
                    queue.Enqueue(pid);
                }
            }
        }

        return found;
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)) ?? throw new InvalidOperationException($"{file} did not start");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}");
        }
    }

}

/// <summary>Whether the test's Dovecot speaks TLS.</summary>
public enum DovecotTls
{
    /// <summary>Plain IMAP only: no STARTTLS offered, no imaps port.</summary>
    None,

    /// <summary>STARTTLS on the plain port and TLS on its own port, with a self-signed certificate.</summary>
    SelfSigned,
}
