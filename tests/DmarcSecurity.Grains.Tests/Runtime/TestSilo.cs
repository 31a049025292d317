using DmarcSecurity.Data;
using DmarcSecurity.Grains.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>A silo with services of its own (its own connection pool), as a separate process would have, running the
/// counter grain and storing outputs through <see cref="TestOutputWriter"/>.</summary>
internal sealed class TestSilo : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private bool _running;
    private bool _disposed;

    private TestSilo(ServiceProvider services)
    {
        _services = services;
        Silo = services.GetRequiredService<GrainSilo>();
    }

    public GrainSilo Silo { get; }

    public IServiceProvider Services => _services;

    public int Owned => Silo.OwnedPartitions.Count;

    public static TestSilo Create(string connectionString, ITestOutputHelper? output, IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? configure, TimeSpan? tickInterval)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Information);
            if (output is not null)
            {
                logging.AddProvider(new TestOutputLoggerProvider(output));
            }
        });
        services.AddDmarcData(connectionString);
        services.AddGrainRuntime(configuration);
        services.AddSingleton<IGrainHandler>(new CounterGrain(tickInterval));
        services.AddSingleton<IGrainOutputWriter, TestOutputWriter>();
        configure?.Invoke(services);
        return new TestSilo(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    public async Task StartAsync()
    {
        _running = true;
        await Silo.StartAsync(CancellationToken.None);
    }

    public async Task StopAsync()
    {
        if (_running)
        {
            _running = false;
            await Silo.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Kills the silo: cancels its in-flight batches, closes its lease session without releasing anything,
    /// leaves its heartbeat row behind, and disposes its connection pool.</summary>
    public async Task CrashAsync()
    {
        _running = false;
        await Silo.CrashAsync();
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync();
        _disposed = true;
        await _services.DisposeAsync();
    }
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
