using System.Diagnostics;
using System.Globalization;

namespace DmarcSecurity.AppHost;

/// <summary>
/// A throwaway PostgreSQL server from the machine's installed server binaries (<c>/usr/lib/postgresql/*/bin</c>, the
/// highest version), its cluster in <c>&lt;data&gt;/postgres</c>: trust authentication, listening on 127.0.0.1 only on a
/// free port, its Unix socket inside that folder. Run as the <c>postgres</c> user when the AppHost runs as root.
/// Started with <c>pg_ctl start</c> and stopped with <c>pg_ctl stop -m fast</c> by its data folder.
/// </summary>
internal sealed class PostgresServer
{
    public const string Database = "dmarcdb";
    private const string ServiceUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bin;
    private readonly bool _asServiceUser;

    private PostgresServer(string bin, string dataDirectory, int port, bool asServiceUser)
    {
        _bin = bin;
        ClusterDirectory = Path.Combine(dataDirectory, "postgres");
        Port = port;
        _asServiceUser = asServiceUser;
    }

    public string ClusterDirectory { get; }

    public int Port { get; }

    /// <summary>The postmaster's PID, once started.</summary>
    public int? ProcessId { get; private set; }

    public bool Running { get; private set; }

    public string Address => $"postgresql://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{Database}";

    public string ConnectionString => $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Database={Database};Username=postgres";

    /// <summary>The <c>bin</c> folder of the highest installed PostgreSQL version under <paramref name="root"/>, or null.</summary>
    public static string? FindServerBinaries(string root = "/usr/lib/postgresql")
    {
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(dir => (Dir: dir, Version: Version.TryParse(VersionText(Path.GetFileName(dir)), out var v) ? v : null))
            .Where(x => x.Version is not null && File.Exists(Path.Combine(x.Dir, "bin", "initdb")) && File.Exists(Path.Combine(x.Dir, "bin", "pg_ctl")))
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "bin"))
            .FirstOrDefault();

        static string VersionText(string name) => name.Contains('.', StringComparison.Ordinal) ? name : name + ".0";
    }

    /// <exception cref="InvalidOperationException">No server binaries, no <c>postgres</c> user when run as root.</exception>
    public static PostgresServer Create(string dataDirectory, int port)
    {
        var bin = FindServerBinaries()
            ?? throw new InvalidOperationException(
                "--postgres needs the PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/<version>/bin, and none are installed. "
                + "Install them (Debian/Ubuntu: apt-get install postgresql) or pass --connection-string for an existing server.");
        var root = Environment.UserName == "root" || GetEuid() == 0;
        if (root && !UserExists(ServiceUser))
        {
            throw new InvalidOperationException("--postgres runs the server as the 'postgres' user when the AppHost runs as root, and there is no such user. "
                + "Create it (useradd --system postgres) or run the AppHost as an ordinary user.");
        }

        return new PostgresServer(bin, dataDirectory, port, root);
    }

    /// <summary>Creates the cluster unless it exists, starts the server, waits until it accepts connections and creates
    /// the database unless it exists.</summary>
    public async Task StartAsync(CancellationToken cancellation)
    {
        var dataDirectory = Path.GetDirectoryName(ClusterDirectory)!;
        if (_asServiceUser && !OperatingSystem.IsWindows())
        {
            // The service user must be able to pass through the data folder to reach its own cluster.
            var mode = File.GetUnixFileMode(dataDirectory);
            File.SetUnixFileMode(dataDirectory, mode | UnixFileMode.OtherExecute);
        }

        if (!File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
        {
            Directory.CreateDirectory(ClusterDirectory);
            await ChownAsync(cancellation);
            Console.WriteLine($"[postgres] creating a cluster in {ClusterDirectory}");
            await QueryAsync("initdb", ["-D", ClusterDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], cancellation);
        }
        else if (await RunAsync("pg_ctl", ["-D", ClusterDirectory, "status"], cancellation, throwOnFailure: false) == 0)
        {
            // Left running by an AppHost that was killed; start afresh on a new port.
            Console.WriteLine($"[postgres] a server is still running on {ClusterDirectory}; stopping it first");
            await RunAsync("pg_ctl", ["-D", ClusterDirectory, "-m", "fast", "-w", "stop"], cancellation);
        }

        var options = $"-c listen_addresses=127.0.0.1 -p {Port.ToString(CultureInfo.InvariantCulture)} -k {ClusterDirectory}";
        await RunAsync("pg_ctl", ["-D", ClusterDirectory, "-l", Path.Combine(ClusterDirectory, "server.log"), "-w", "-t", "60", "-o", options, "start"], cancellation);
        Running = true;
        ProcessId = ReadPostmasterPid(ClusterDirectory);

        var exists = await QueryAsync("psql", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-tAc",
            $"SELECT 1 FROM pg_database WHERE datname = '{Database}'"], cancellation);
        if (exists != "1")
        {
            await RunAsync("createdb", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", Database], cancellation);
        }
    }

    /// <summary><c>pg_ctl stop -m fast</c> by the data folder, when a server runs there.</summary>
    public async Task StopAsync()
    {
        if (!File.Exists(Path.Combine(ClusterDirectory, "postmaster.pid")))
        {
            Running = false;
            return;
        }

        await RunAsync("pg_ctl", ["-D", ClusterDirectory, "-m", "fast", "-w", "-t", "30", "stop"], CancellationToken.None, throwOnFailure: false);
        Running = false;
    }

    /// <summary>The last resort when the AppHost exits without the orderly stop: synchronous.</summary>
    public void Stop()
    {
        if (File.Exists(Path.Combine(ClusterDirectory, "postmaster.pid")))
        {
            StopAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>The first line of <c>postmaster.pid</c>, or null.</summary>
    public static int? ReadPostmasterPid(string clusterDirectory)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(clusterDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task ChownAsync(CancellationToken cancellation)
    {
        if (_asServiceUser)
        {
            await RunProcessAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", ClusterDirectory], cancellation, throwOnFailure: true, capture: false);
        }
    }

    private async Task<int> RunAsync(string tool, string[] arguments, CancellationToken cancellation, bool throwOnFailure = true)
    {
        var (file, args) = Command(tool, arguments);
        return int.Parse(await RunProcessAsync(file, args, cancellation, throwOnFailure, capture: false), CultureInfo.InvariantCulture);
    }

    private async Task<string> QueryAsync(string tool, string[] arguments, CancellationToken cancellation)
    {
        var (file, args) = Command(tool, arguments);
        return await RunProcessAsync(file, args, cancellation, throwOnFailure: true, capture: true);
    }

    private (string File, string[] Arguments) Command(string tool, string[] arguments)
    {
        var path = Path.Combine(_bin, tool);
        return _asServiceUser ? ("runuser", ["-u", ServiceUser, "--", path, .. arguments]) : (path, arguments);
    }

    /// <summary>Runs a command with its output prefixed <c>[postgres]</c>; returns the exit code, or the trimmed
    /// standard output with <paramref name="capture"/>.</summary>
    private async Task<string> RunProcessAsync(string file, string[] arguments, CancellationToken cancellation, bool throwOnFailure, bool capture)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            // A folder the service user may enter (initdb and psql complain otherwise).
            WorkingDirectory = Path.GetDirectoryName(ClusterDirectory)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = new Process { StartInfo = start };
        var captured = new System.Text.StringBuilder();
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (capture)
            {
                captured.AppendLine(e.Data);
            }
            else
            {
                Console.WriteLine($"[postgres] {e.Data}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.AppendLine(e.Data);
                Console.Error.WriteLine($"[postgres] {e.Data}");
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        process.WaitForExit(); // flushes the output events
        if (throwOnFailure && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(arguments.Length > 3 && file == "runuser" ? arguments[3] : file)} failed with exit code {process.ExitCode}: {errors.ToString().Trim()}");
        }

        return capture ? captured.ToString().Trim() : process.ExitCode.ToString(CultureInfo.InvariantCulture);
    }

    private static bool UserExists(string user) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
