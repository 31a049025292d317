using DmarcSecurity.Data;
using DmarcSecurity.Grains.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>A silo host of its own (its own connection pool and its own one-silo Orleans cluster on free localhost
/// ports), as a separate process would have, running the counter grain and storing outputs through
/// <see cref="TestOutputWriter"/>. Two of them on one database are two clusters that each believe they own every
/// partition: the situation of a silo partitioned away from its cluster while it still runs.</summary>
internal sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _running;
    private bool _disposed;

    private TestSilo(IHost host)
    {
        _host = host;
    }

    public IServiceProvider Services => _host.Services;

    /// <summary>Events this silo applied and committed.</summary>
    public long EventsApplied => Services.GetRequiredService<GrainTelemetry>().TotalEventsApplied;

    /// <summary>Grain writes refused by the version or inbox check.</summary>
    public long Conflicts => Services.GetRequiredService<GrainTelemetry>().TotalConflicts;

    /// <summary>Counter grains active in this silo, as Orleans' management grain counts them.</summary>
    public async Task<int> ActiveCountersAsync()
    {
        var management = Services.GetRequiredService<IGrainFactory>().GetGrain<Orleans.Runtime.IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains("CounterGrainHost", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    public static TestSilo Create(string connectionString, ITestOutputHelper? output, IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? configure, TimeSpan? tickInterval)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var all = new Dictionary<string, string?>
        {
            ["Orleans:ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
            ["Orleans:Endpoints:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Grains:PollInterval"] = "00:00:00.050",
            ["Grains:KeepAliveInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(all);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        if (output is not null)
        {
            builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        }

        builder.Services.AddDmarcData(connectionString);
        builder.AddGrainRuntime();
        builder.Services.AddSingleton<IGrainHandler>(new CounterGrain(tickInterval));
        builder.Services.AddSingleton<IGrainOutputWriter, TestOutputWriter>();
        configure?.Invoke(builder.Services);
        return new TestSilo(builder.Build());
    }

    public async Task StartAsync()
    {
        _running = true;
        await _host.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_running)
        {
            _running = false;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync();
        _disposed = true;
        _host.Dispose();
    }

    internal static int FreePort() => DmarcSecurity.Testing.HostProcess.FreePort();
}

/// <summary>Runtime logs into the test's output, so a failing run shows what the silos did.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; late log lines have nowhere to go.
            }
        }
    }
}
