using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace DmarcSecurity.AppHost.Tests;

/// <summary>
/// The AppHost as <c>dotnet run --project DmarcSecurity.AppHost</c> starts it, with its dashboard, in a data folder of
/// its own: started once, every service healthy, the first Admin's one-time password read from the Api's console
/// (where the AppHost's banner takes it from) and exchanged for a password and an Admin API key.
/// </summary>
public partial class AppHostFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@localhost";
    public static readonly TimeSpan Startup = TimeSpan.FromSeconds(180);
    private readonly string[] _args;
    private readonly Dictionary<string, ResourceEvent> _latest = [];
    private readonly CancellationTokenSource _stopping = new();

    public AppHostFixture()
        : this([])
    {
    }

    protected AppHostFixture(string[] args) => _args = args;

    public DistributedApplication App { get; private set; } = null!;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("dmarc-apphost-").FullName;

    public string OneTimePassword { get; private set; } = "";

    /// <summary>The Admin's client at the Api (API key), after the one-time password was changed.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public Uri Api => App.GetEndpoint("api", "http");

    public Uri Web => App.GetEndpoint("web", "http");

    /// <summary>The dashboard's login address with its token, as the AppHost prints it.</summary>
    public Uri DashboardLogin { get; private set; } = null!;

    /// <summary>How long from start to every resource healthy.</summary>
    public TimeSpan StartupTime { get; private set; }

    public async Task InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.DmarcSecurity_AppHost>(
            [
                .. _args, "--data", DataDirectory,
            ],
            (options, _) =>
            {
                options.DisableDashboard = false;
                options.AllowUnsecuredTransport = true;
            });
        App = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(Startup);
        _ = KeepLatestStatesAsync();
        await App.StartAsync(timeout.Token);
        // After the start: the resources' instance names (which the console logs are kept under) are known only then.
        var password = ReadFromConsoleAsync("api", PasswordLine(), timeout.Token);
        var dashboard = ReadFromConsoleAsync("aspire-dashboard", DashboardLine(), timeout.Token);
        var notifications = App.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var service in new[] { "api", "silo", "web" })
        {
            await notifications.WaitForResourceHealthyAsync(service, timeout.Token);
        }

        StartupTime = started.Elapsed;
        OneTimePassword = await password;
        DashboardLogin = new Uri(await dashboard);
        Admin = await ApiSession.SignInAsync(Api, AdminEmail, OneTimePassword);
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        await _stopping.CancelAsync();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The PIDs of a resource's processes and all their descendants, as now.</summary>
    public IReadOnlyList<int> ProcessTree(string resourceName) =>
        [.. Processes(resourceName).SelectMany(Descendants)];

    /// <summary>The PIDs DCP started for a resource (every replica).</summary>
    public IReadOnlyList<int> Processes(string resourceName)
    {
        lock (_latest)
        {
            return [.. _latest.Values
                .Where(e => e.Resource.Name == resourceName)
                .Select(e => e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value)
                .OfType<object>()
                .Select(pid => Convert.ToInt32(pid, CultureInfo.InvariantCulture))];
        }
    }

    public static IEnumerable<int> Descendants(int pid)
    {
        var children = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0)
            .Where(p => p > 0 && ParentOf(p) == pid)
            .ToList();
        return children.SelectMany(Descendants).Prepend(pid);
    }

    public static bool IsAlive(int pid)
    {
        // A zombie has exited; only its parent has not reaped it yet.
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private async Task KeepLatestStatesAsync()
    {
        try
        {
            await foreach (var e in App.Services.GetRequiredService<ResourceNotificationService>().WatchAsync(_stopping.Token))
            {
                lock (_latest)
                {
                    _latest[e.ResourceId] = e;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The first match of <paramref name="pattern"/>'s group 1 in a resource's console.</summary>
    private async Task<string> ReadFromConsoleAsync(string resourceName, Regex pattern, CancellationToken cancellation)
    {
        var logs = App.Services.GetRequiredService<ResourceLoggerService>();
        var resource = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName);
        await foreach (var batch in logs.WatchAsync(resource).WithCancellation(cancellation))
        {
            foreach (var line in batch)
            {
                if (pattern.Match(line.Content) is { Success: true } match)
                {
                    return match.Groups[1].Value;
                }
            }
        }

        throw new InvalidOperationException($"The console of {resourceName} ended without a line matching {pattern}.");
    }

    [GeneratedRegex(@"One-time password:\s+(\S+)")]
    private static partial Regex PasswordLine();

    [GeneratedRegex(@"Login to the dashboard at (http[^""\s]+)")]
    private static partial Regex DashboardLine();
}

[CollectionDefinition(Name)]
public sealed class SqliteAppHost : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost on SQLite";
}
