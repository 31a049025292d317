using DmarcSecurity.Data.Database;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>What every partition worker of one silo shares: storage, handlers, the batch gate and the silo's counters.</summary>
internal sealed class SiloServices(
    DatabaseConnections connections,
    IGrainStorage storage,
    IReadOnlyDictionary<string, IGrainHandler> handlers,
    IGrainOutputWriter? outputWriter,
    GrainRuntimeOptions options,
    GrainTelemetry telemetry,
    TimeProvider clock,
    ILogger logger) : IDisposable
{
    private long _eventsApplied;
    private long _outputs;
    private long _conflicts;

    public DatabaseConnections Connections => connections;

    public IGrainStorage Storage => storage;

    public IReadOnlyDictionary<string, IGrainHandler> Handlers => handlers;

    /// <summary>The grain types with a handler; inbox rows of other types are left for a silo that knows them.</summary>
    public string[] GrainTypes { get; } = [.. handlers.Keys.Order(StringComparer.Ordinal)];

    public IGrainOutputWriter? OutputWriter => outputWriter;

    public GrainRuntimeOptions Options => options;

    public GrainTelemetry Telemetry => telemetry;

    public TimeProvider Clock => clock;

    public ILogger Logger => logger;

    /// <summary>Bounds the batch transactions running at once, over all of the silo's partitions.</summary>
    public SemaphoreSlim Gate { get; } = new(storage.MaxConcurrentBatches(options.MaxConcurrentBatches));

    public long EventsApplied => Interlocked.Read(ref _eventsApplied);

    public long Outputs => Interlocked.Read(ref _outputs);

    public long Conflicts => Interlocked.Read(ref _conflicts);

    public void Committed(int events, int outputs, double seconds)
    {
        Interlocked.Add(ref _eventsApplied, events);
        Interlocked.Add(ref _outputs, outputs);
        if (events > 0)
        {
            telemetry.EventsApplied.Add(events);
        }

        if (outputs > 0)
        {
            telemetry.Outputs.Add(outputs);
        }

        telemetry.BatchDuration.Record(seconds);
    }

    public void Conflicted()
    {
        Interlocked.Increment(ref _conflicts);
        telemetry.Conflicts.Add(1);
    }

    public void Dispose() => Gate.Dispose();
}
