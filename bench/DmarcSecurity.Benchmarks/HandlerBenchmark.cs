using System.Diagnostics;
using DmarcSecurity.Core.Reports;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Grains.Domains;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Settings;
using DmarcSecurity.Grains.Sources;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// The DMARC grain handlers alone, in memory, on the silo benchmark's events: what applying the events costs the silo
/// before any database work. Events are applied in batches as the runtime would group them (64 partitions, 1,000
/// events a batch), each grain's state carried from batch to batch as JSON, as the runtime carries it.
/// </summary>
public static class HandlerBenchmark
{
    private const int Runs = 5;

    public static void Run(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("== handlers: the silo benchmark's 100,100 events through the DMARC grain handlers, in memory ==");
        var events = new List<InboxEvent>();
        var at = DateTimeOffset.UtcNow;
        var today = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero);
        for (var i = 0; i < 100; i++)
        {
            var report = AggregateReportParser.Parse(ReportGenerator.Generate(1_000, seed: 500_000 + i, domain: $"silo{i % 10}.example",
                day: today.AddDays(-1 - (i / 10 % 10))));
            foreach (var e in GrainEvents.For(i + 1, report))
            {
                events.Add(new InboxEvent(events.Count + 1, e.GrainType, e.GrainKey, e.EventType, e.Payload, at));
            }
        }

        var batches = events.GroupBy(e => GrainPartitioner.PartitionOf(e.GrainType, e.GrainKey, 64))
            .SelectMany(p => p.Chunk(1_000))
            .Select(b => b.GroupBy(e => (e.GrainType, e.GrainKey)).Select(g => (g.Key.GrainType, g.Key.GrainKey, (IReadOnlyList<InboxEvent>)[.. g])).ToList())
            .ToList();
        var settings = new FixedGrainSettings(GrainSettings.Default);
        var handlers = new Dictionary<string, IGrainHandler>
        {
            ["domain"] = new DomainGrainHandler(settings),
            ["source-ip"] = new SourceIpGrainHandler(settings),
        };

        var rates = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            var states = new Dictionary<(string, string), string>();
            var perType = handlers.Keys.ToDictionary(k => k, _ => 0.0);
            var outputs = 0;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            foreach (var batch in batches)
            {
                foreach (var (type, key, list) in batch)
                {
                    var started = Stopwatch.GetTimestamp();
                    var update = handlers[type].Apply(key, states.GetValueOrDefault((type, key)), list, at);
                    perType[type] += Stopwatch.GetElapsedTime(started).TotalSeconds;
                    states[(type, key)] = update.State;
                    outputs += update.Outputs.Count;
                }
            }

            clock.Stop();
            var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            rates.Add(events.Count / clock.Elapsed.TotalSeconds);
            output.WriteLine($"run {run + 1}: {events.Count / clock.Elapsed.TotalSeconds:N0} events/s, {clock.Elapsed.TotalMicroseconds / events.Count:F1} µs and " +
                             $"{bytes / events.Count / 1024.0:F1} KB allocated per event; " +
                             string.Join(", ", perType.Select(t => $"{t.Key} {t.Value:F2} s")) + $"; {outputs:N0} outputs");
        }

        rates.Sort();
        output.WriteLine($"median {rates[Runs / 2]:N0} events/s on one thread");
    }
}
