using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using DmarcSecurity.AppHost;

// Starts the Api, the silo(s) and the Web app from their build output with the configuration Aspire would inject
// (ARCHITECTURE.md section 5), waits for their health, prints their URLs, and stops them all on Ctrl+C or SIGTERM.
AppHostOptions options;
try
{
    options = AppHostOptions.Parse(args);
}
catch (AppHostOptionsException e)
{
    await Console.Error.WriteLineAsync($"{e.Message}{Environment.NewLine}{AppHostOptions.Usage}");
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(AppHostOptions.Usage);
    return 0;
}

var configuration = typeof(Resource).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
var repository = RepositoryRoot();
string[] projects = ["DmarcSecurity.Api", "DmarcSecurity.Grains", "DmarcSecurity.Web"];
var missing = projects.Where(p => !File.Exists(ProjectDll(p))).ToList();
if (missing.Count > 0)
{
    await Console.Error.WriteLineAsync($"Not built ({configuration}): {string.Join(", ", missing)}. Run: dotnet build DmarcSecurity.sln -c {configuration}");
    return 1;
}

var dataDirectory = Path.GetFullPath(options.DataDirectory ?? Path.Combine(repository, "data"));
Directory.CreateDirectory(dataDirectory);
using var stopping = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

PostgresServer? postgres = null;
if (options.Postgres)
{
    try
    {
        postgres = PostgresServer.Create(dataDirectory, FreePort());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => postgres.Stop();
        await postgres.StartAsync(stopping.Token);
    }
    catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or OperationCanceledException)
    {
        await Console.Error.WriteLineAsync($"[apphost] PostgreSQL: {e.Message}");
        if (postgres is not null)
        {
            await postgres.StopAsync();
        }

        return 1;
    }

    Console.WriteLine($"[apphost] postgres: Healthy (pid {postgres.ProcessId}, {postgres.Address})");
}

// SQLite: the same file the Api and the silo use when run on their own with this data folder.
var connectionString = postgres?.ConnectionString ?? options.ConnectionString ?? $"Data Source={Path.Combine(dataDirectory, "dmarcsecurity.db")}";
var database = postgres is not null ? $"PostgreSQL in {postgres.ClusterDirectory}" : options.ConnectionString is null ? "SQLite in the data folder" : "from --connection-string";
Console.WriteLine($"[apphost] data folder {dataDirectory}; database {database}");

// Several silos form one Orleans cluster, its membership in a Redis server of their own; one silo clusters alone.
RedisServer? redis = null;
if (options.SiloReplicas > 1)
{
    try
    {
        redis = RedisServer.Create(FreePort());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => redis.Stop();
        await redis.StartAsync(stopping.Token);
    }
    catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
    {
        await Console.Error.WriteLineAsync($"[apphost] Redis: {e.Message}");
        redis?.Stop();
        postgres?.Stop();
        return 1;
    }

    Console.WriteLine($"[apphost] redis: Healthy (pid {redis.ProcessId}, {redis.Address})");
}

// The Web app tells the Api its users' addresses with a key both share; a new one each run is enough.
var webHopKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
var api = NewResource("api", "api", "DmarcSecurity.Api", new()
{
    ["ConnectionStrings__dmarcdb"] = connectionString,
    ["Auth__BootstrapAdminEmail"] = options.AdminEmail,
    ["Auth__WebHopKey"] = webHopKey,
});
var silos = Enumerable.Range(1, options.SiloReplicas)
    .Select(i => NewResource(options.SiloReplicas == 1 ? "silo" : $"silo-{i}", "silo", "DmarcSecurity.Grains", SiloEnvironment()))
    .ToList();
var web = NewResource("web", "web", "DmarcSecurity.Web", new()
{
    ["services__api__http__0"] = api.Address,
    ["Auth__WebHopKey"] = webHopKey,
});
Resource[] resources = [api, .. silos, web];

// The Api prints the first Admin's one-time password once, on an empty database; it is repeated below the table.
string? adminLine = null, passwordLine = null;
api.OutputLine += line =>
{
    if (line.StartsWith("First Admin created:", StringComparison.Ordinal))
    {
        adminLine = line;
    }
    else if (line.StartsWith("One-time password:", StringComparison.Ordinal))
    {
        passwordLine = line;
    }
};

AppDomain.CurrentDomain.ProcessExit += (_, _) =>
{
    foreach (var resource in resources)
    {
        resource.Kill();
    }
};

var started = false;
foreach (var resource in resources)
{
    resource.StateChanged += changed =>
    {
        if (started && !stopping.IsCancellationRequested)
        {
            PrintTable();
        }
        else
        {
            Console.WriteLine($"[apphost] {changed.Name}: {changed.State} (pid {changed.ProcessId}, {changed.Address})");
        }
    };
}

var runs = new List<Task> { api.RunAsync(stopping.Token) };
if (await UntilStopping(api.FirstHealthy))
{
    runs.AddRange(silos.Append(web).Select(r => r.RunAsync(stopping.Token)));
    if (await UntilStopping(Task.WhenAll(resources.Select(r => r.FirstHealthy))))
    {
        started = true;
        PrintTable();
        PrintFirstAdmin();
        await UntilStopping(Task.Delay(Timeout.Infinite, stopping.Token));
    }
}

Console.WriteLine("[apphost] stopping all resources");
await Task.WhenAll(resources.Select(r => r.StopAsync(TimeSpan.FromSeconds(5))));
await Task.WhenAll(runs);
if (postgres is not null)
{
    // After the services, so none of them loses its database while it shuts down.
    await postgres.StopAsync();
}

redis?.Stop();

PrintTable();
Console.WriteLine("[apphost] stopped");
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping.Cancel();
}

async Task<bool> UntilStopping(Task task)
{
    try
    {
        await task.WaitAsync(stopping.Token);
        return true;
    }
    catch (OperationCanceledException)
    {
        return false;
    }
}

// The Orleans settings as Aspire injects them: ports of its own for each silo, and the Redis cluster when there are several.
Dictionary<string, string> SiloEnvironment()
{
    var environment = new Dictionary<string, string>
    {
        ["ConnectionStrings__dmarcdb"] = connectionString,
        ["Orleans__ClusterId"] = "dmarcsecurity",
        ["Orleans__ServiceId"] = "dmarcsecurity",
        ["Orleans__Endpoints__SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans__Endpoints__GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
    if (redis is not null)
    {
        environment["ConnectionStrings__cluster"] = redis.ConnectionString;
        environment["Orleans__Clustering__ProviderType"] = "Redis";
        environment["Orleans__Clustering__ServiceKey"] = "cluster";
        environment["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1";
    }

    return environment;
}

Resource NewResource(string name, string service, string project, Dictionary<string, string> environment)
{
    environment["ASPNETCORE_ENVIRONMENT"] = "Development";
    environment["Storage__DataDirectory"] = dataDirectory;
    environment["OTEL_SERVICE_NAME"] = service;
    environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={name}";
    if (Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } otlp)
    {
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
    }

    return new Resource(name, ProjectDll(project), new Uri($"http://127.0.0.1:{FreePort()}"), environment);
}

void PrintTable()
{
    var table = new StringBuilder();
    table.AppendLine("RESOURCE    STATE       PID       URL");
    if (postgres is not null)
    {
        table.AppendLine($"{"postgres",-11} {(postgres.Running ? ResourceState.Healthy : ResourceState.Exited),-11} {postgres.ProcessId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",-9} {postgres.Address}");
    }

    foreach (var r in resources)
    {
        table.AppendLine($"{r.Name,-11} {r.State,-11} {r.ProcessId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",-9} {r.Address}");
    }

    table.AppendLine(new string('-', 60));
    Console.Write(table.ToString()); // one write, so no child's line lands inside the table
}

void PrintFirstAdmin()
{
    if (passwordLine is null)
    {
        return;
    }

    var banner = new StringBuilder();
    banner.AppendLine(new string('=', 60));
    banner.AppendLine($"  {adminLine}");
    banner.AppendLine($"  {passwordLine}");
    banner.AppendLine($"  Sign in at {web.Address} and choose a new password; it will not be shown again.");
    banner.AppendLine(new string('=', 60));
    Console.Write(banner.ToString());
}

string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "DmarcSecurity.sln")))
        {
            return dir.FullName;
        }
    }

    throw new DirectoryNotFoundException($"No DmarcSecurity.sln above {AppContext.BaseDirectory}; run the AppHost from its build output in the repository.");
}

string ProjectDll(string project) => Path.Combine(repository, project, "bin", configuration, "net10.0", project + ".dll");

// A port the system says is free and this AppHost has not handed out yet: the system may offer a port again as soon
// as the probe closes it, and one process's HTTP and Orleans ports must differ.
static int FreePort()
{
    while (true)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        if (HandedOut.Ports.Add(port))
        {
            return port;
        }
    }
}

internal static class HandedOut
{
    public static readonly HashSet<int> Ports = [];
}
