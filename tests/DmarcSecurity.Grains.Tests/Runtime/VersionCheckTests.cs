using DmarcSecurity.Testing;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>Orleans' single activation is only an optimisation: two silos that each run a cluster of their own on the
/// same database (a silo partitioned away from its cluster, still running and still sure it holds every partition)
/// work the same partitions and grains at once, and still apply every event exactly once, because a write whose
/// inbox rows are gone or whose grain state moved on is refused and its grain reloads.</summary>
[Collection(SiloCollection.Name)]
public sealed class VersionCheckTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_partitioned_away_that_still_pumps_every_partition_never_double_applies()
    {
        var settings = new Dictionary<string, string?> { ["Grains:Partitions"] = "4", ["Grains:BatchSize"] = "40" };
        var events = CounterEvents.Generate(20_000, 40, seed: 7);
        var totals = CounterEvents.Totals(events);
        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql, settings);
        var silos = Enumerable.Range(0, 2).Select(_ => database.CreateSilo(output, settings)).ToList();
        await Task.WhenAll(silos.Select(s => s.StartAsync()));
        // Both pump from the first event on: every commit's notification wakes the partitions of both. On a loaded
        // machine one silo may take a while to activate its partitions: the events are stored in chunks while both run,
        // at a pace that leaves the slower one time to start taking part.
        var stored = 0;
        foreach (var chunk in events.Chunk(500))
        {
            await database.EnqueueAsync(chunk, chunk: 500);
            stored += chunk.Length;
            for (var wait = 0; wait < 50 && stored <= 5_000 && silos.Any(s => s.EventsApplied == 0); wait++)
            {
                await Task.Delay(100);
            }
        }

        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(silos.Select(s => s.StopAsync()));

        var conflicts = silos.Sum(s => s.Conflicts);
        output.WriteLine($"applied {string.Join(" + ", silos.Select(s => s.EventsApplied))} events; {conflicts} grain writes refused");
        var states = await database.StatesAsync();
        Assert.True(silos.All(s => s.EventsApplied > 0), "one silo did all the work: the test proved nothing");
        Assert.True(conflicts > 0, "no write was refused: the test proved nothing");
        Assert.Equal(events.Count, silos.Sum(s => s.EventsApplied));
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
        Assert.Equal(CounterEvents.Outputs(totals), await database.OutputsAsync());
    }
}
