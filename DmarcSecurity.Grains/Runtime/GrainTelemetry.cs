using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>The runtime's ActivitySource and Meter, both named <see cref="Name"/> (ServiceDefaults listens to
/// DmarcSecurity.*; Orleans' own meters and activities come beside them).</summary>
internal sealed class GrainTelemetry
{
    public const string Name = "DmarcSecurity.Grains";

    public static readonly ActivitySource Source = new(Name);

    private long _eventsApplied;
    private long _outputs;
    private long _conflicts;

    public GrainTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        EventsApplied = Meter.CreateCounter<long>("dmarc.grains.events.applied", "{event}", "Inbox events applied to grains and committed.");
        Outputs = Meter.CreateCounter<long>("dmarc.grains.outputs", "{output}", "Grain outputs committed with their state changes.");
        ConflictCounter = Meter.CreateCounter<long>("dmarc.grains.conflicts", "{conflict}", "Grain writes refused because the state or the inbox changed since it was read.");
        CommitDuration = Meter.CreateHistogram<double>("dmarc.grains.commit.duration", "s", "Time of one group commit of many grains' writes.");
        CommitSize = Meter.CreateHistogram<int>("dmarc.grains.commit.writes", "{write}", "Grain writes carried by one group commit.");
    }

    public Meter Meter { get; }

    public Counter<long> EventsApplied { get; }

    public Counter<long> Outputs { get; }

    public Counter<long> ConflictCounter { get; }

    public Histogram<double> CommitDuration { get; }

    public Histogram<int> CommitSize { get; }

    /// <summary>Events applied and committed by this silo since it started.</summary>
    public long TotalEventsApplied => Interlocked.Read(ref _eventsApplied);

    public long TotalOutputs => Interlocked.Read(ref _outputs);

    /// <summary>Grain writes refused by the version or inbox check since start.</summary>
    public long TotalConflicts => Interlocked.Read(ref _conflicts);

    public Conflicts Conflicts => new(this);

    public void Committed(int events, int outputs, int writes, double seconds)
    {
        Interlocked.Add(ref _eventsApplied, events);
        Interlocked.Add(ref _outputs, outputs);
        if (events > 0)
        {
            EventsApplied.Add(events);
        }

        if (outputs > 0)
        {
            Outputs.Add(outputs);
        }

        CommitDuration.Record(seconds);
        CommitSize.Record(writes);
    }

    internal void Conflicted(long count)
    {
        Interlocked.Add(ref _conflicts, count);
        ConflictCounter.Add(count);
    }
}

/// <summary>Counts conflicts on the counter and the total together.</summary>
internal readonly struct Conflicts(GrainTelemetry telemetry)
{
    public void Add(long count) => telemetry.Conflicted(count);
}
