using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MimeKit;

namespace DmarcSecurity.Api.Tests.Infrastructure;

/// <summary>
/// A real SMTP server of the test's own: aiosmtpd (Debian's python3-aiosmtpd) on 127.0.0.1, run from a script the
/// test writes, with a handler that stores every accepted message and its envelope in a folder. It can ask for
/// AUTH, offer STARTTLS or speak TLS from the first byte with a self-signed certificate the test makes, and answer
/// the first messages with a reply of the test's choice (451, 550). Started and stopped by its own process id.
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import argparse, asyncio, json, os, ssl, sys
        from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

        parser = argparse.ArgumentParser()
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--folder", required=True)
        parser.add_argument("--cert")
        parser.add_argument("--key")
        parser.add_argument("--mode", choices=["none", "starttls", "smtps"], default="none")
        parser.add_argument("--user")
        parser.add_argument("--password")
        parser.add_argument("--reply")
        parser.add_argument("--reply-count", type=int, default=0)
        args = parser.parse_args()


        class Handler:
            def __init__(self):
                self.seen = 0
                self.saved = 0

            async def handle_DATA(self, server, session, envelope):
                self.seen += 1
                if self.seen <= args.reply_count:
                    return args.reply
                self.saved += 1
                name = os.path.join(args.folder, "%04d" % self.saved)
                meta = {
                    "mailFrom": envelope.mail_from,
                    "rcptTos": envelope.rcpt_tos,
                    "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
                    "tls": server.transport.get_extra_info("ssl_object") is not None,
                }
                with open(name + ".eml.tmp", "wb") as f:
                    f.write(envelope.original_content)
                with open(name + ".json.tmp", "w") as f:
                    json.dump(meta, f)
                os.rename(name + ".json.tmp", name + ".json")
                os.rename(name + ".eml.tmp", name + ".eml")
                return "250 2.0.0 Ok: queued as %04d" % self.saved


        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


        context = None
        if args.cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(args.cert, args.key)

        handler = Handler()


        def factory():
            return SMTP(
                handler,
                hostname="smtp.tests.example",
                tls_context=context if args.mode == "starttls" else None,
                require_starttls=args.mode == "starttls",
                authenticator=authenticator if args.user else None,
                auth_required=bool(args.user),
                # aiosmtpd only counts STARTTLS as TLS; a connection that is TLS from the first byte is too.
                auth_require_tls=args.mode == "starttls",
            )


        async def main():
            loop = asyncio.get_running_loop()
            server = await loop.create_server(factory, host="127.0.0.1", port=args.port, ssl=context if args.mode == "smtps" else None)
            print("ready", flush=True)
            async with server:
                await server.serve_forever()

        asyncio.run(main())
        """;

    private readonly string _root;
    private readonly string[] _arguments;
    private Process? _process;

    private SmtpServer(string root, int port, string[] arguments)
    {
        _root = root;
        Port = port;
        _arguments = arguments;
    }

    public int Port { get; }

    /// <summary>The SHA-256 fingerprint of the server's certificate (with TLS), as <c>CertificateFingerprint</c> takes it.</summary>
    public string? Fingerprint { get; private set; }

    public string Folder => Path.Combine(_root, "mail");

    public sealed record Received(MimeMessage Message, string MailFrom, IReadOnlyList<string> Recipients, string? Login, bool Tls);

    public enum Mode
    {
        None,
        StartTls,
        SmtpS,
    }

    /// <param name="reply">The reply to the first <paramref name="replyCount"/> messages, e.g. <c>451 4.3.0 Try again later</c>.</param>
    /// <param name="start">False to only pick the port and write the files: a server that is down until started.</param>
    public static async Task<SmtpServer> StartAsync(
        Mode mode = Mode.None, (string User, string Password)? auth = null, string? reply = null, int replyCount = 0, bool start = true)
    {
        using var probe = File.Exists(Python) ? Process.Start(new ProcessStartInfo(Python, ["-c", "import aiosmtpd"]) { RedirectStandardError = true }) : null;
        if (probe is null || !probe.WaitForExit(30_000) || probe.ExitCode != 0)
        {
            throw new InvalidOperationException("python3-aiosmtpd is missing. Run the tests with ./test.sh, which installs it (scripts/smtp.sh).");
        }

        var root = Path.Combine(Path.GetTempPath(), "dmarc-smtp-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(root, "mail"));
        await File.WriteAllTextAsync(Path.Combine(root, "server.py"), Script);
        var port = FreePort();
        var arguments = new List<string>
        {
            Path.Combine(root, "server.py"), "--port", port.ToString(CultureInfo.InvariantCulture), "--folder", Path.Combine(root, "mail"),
            "--mode", mode switch { Mode.StartTls => "starttls", Mode.SmtpS => "smtps", _ => "none" },
        };
        string? fingerprint = null;
        if (mode != Mode.None)
        {
            fingerprint = await CertificateAsync(root);
            arguments.AddRange(["--cert", Path.Combine(root, "cert.pem"), "--key", Path.Combine(root, "key.pem")]);
        }

        if (auth is { } a)
        {
            arguments.AddRange(["--user", a.User, "--password", a.Password]);
        }

        if (reply is not null)
        {
            arguments.AddRange(["--reply", reply, "--reply-count", replyCount.ToString(CultureInfo.InvariantCulture)]);
        }

        var server = new SmtpServer(root, port, [.. arguments]) { Fingerprint = fingerprint };
        if (start)
        {
            await server.StartAsync();
        }

        return server;
    }

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Python, _arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var errors = _process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line != "ready")
        {
            _process.Kill();
            await _process.WaitForExitAsync();
            throw new InvalidOperationException($"aiosmtpd did not start on 127.0.0.1:{Port}: {await errors}");
        }
    }

    /// <summary>The messages accepted so far, in order.</summary>
    public IReadOnlyList<Received> Messages()
    {
        var received = new List<Received>();
        foreach (var file in Directory.GetFiles(Folder, "*.eml").Order(StringComparer.Ordinal))
        {
            using var meta = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(file, ".json")));
            var root = meta.RootElement;
            received.Add(new Received(
                MimeMessage.Load(file),
                root.GetProperty("mailFrom").GetString()!,
                [.. root.GetProperty("rcptTos").EnumerateArray().Select(r => r.GetString()!)],
                root.GetProperty("login").GetString(),
                root.GetProperty("tls").GetBoolean()));
        }

        return received;
    }

    /// <summary>Waits until <paramref name="count"/> messages were accepted.</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(int count)
    {
        var clock = Stopwatch.StartNew();
        while (Directory.GetFiles(Folder, "*.eml").Length < count)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"{Directory.GetFiles(Folder, "*.eml").Length} of {count} messages arrived within 30 s.");
            }

            await Task.Delay(50);
        }

        return Messages();
    }

    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
        _process = null;
    }

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
    }

    /// <summary>A self-signed certificate for 127.0.0.1 made with openssl; its SHA-256 fingerprint.</summary>
    private static async Task<string> CertificateAsync(string root)
    {
        var openssl = Process.Start(new ProcessStartInfo("openssl",
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=smtp.tests.example",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", Path.Combine(root, "key.pem"), "-out", Path.Combine(root, "cert.pem"),
        ])
        { RedirectStandardError = true, RedirectStandardOutput = true }) ?? throw new InvalidOperationException("openssl did not start");
        var errors = await openssl.StandardError.ReadToEndAsync();
        await openssl.WaitForExitAsync();
        if (openssl.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl failed: {errors}");
        }

        var pem = await File.ReadAllTextAsync(Path.Combine(root, "cert.pem"));
        var fields = System.Security.Cryptography.PemEncoding.Find(pem);
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(der));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
