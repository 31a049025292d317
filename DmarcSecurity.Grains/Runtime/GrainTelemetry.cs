using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>The runtime's ActivitySource and Meter, both named <see cref="Name"/> (ServiceDefaults listens to DmarcSecurity.*).</summary>
internal sealed class GrainTelemetry
{
    public const string Name = "DmarcSecurity.Grains";

    public static readonly ActivitySource Source = new(Name);

    public GrainTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        EventsApplied = Meter.CreateCounter<long>("dmarc.grains.events.applied", "{event}", "Inbox events applied to grains and committed.");
        Outputs = Meter.CreateCounter<long>("dmarc.grains.outputs", "{output}", "Grain outputs committed with their state changes.");
        Conflicts = Meter.CreateCounter<long>("dmarc.grains.conflicts", "{conflict}", "Batches rolled back because a grain state changed since it was read.");
        BatchDuration = Meter.CreateHistogram<double>("dmarc.grains.batch.duration", "s", "Time from taking a batch of inbox events to its commit.");
    }

    public Meter Meter { get; }

    public Counter<long> EventsApplied { get; }

    public Counter<long> Outputs { get; }

    public Counter<long> Conflicts { get; }

    public Histogram<double> BatchDuration { get; }
}
