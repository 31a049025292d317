using DmarcSecurity.Data.Database;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>Ownership is only an optimisation: with the leases taken out of the picture, two silos working the same
/// partitions at once still apply every event exactly once, because stale grain states fail their version check.</summary>
[Collection(SiloCollection.Name)]
public sealed class VersionCheckTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_silos_that_both_own_every_partition_still_apply_each_event_exactly_once()
    {
        var settings = new Dictionary<string, string?> { ["Grains:Partitions"] = "4", ["Grains:BatchSize"] = "40" };
        var events = CounterEvents.Generate(20_000, 40, seed: 7);
        var totals = CounterEvents.Totals(events);
        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql, settings);
        await database.EnqueueAsync(events);

        // Both silos get the lease strategy SQLite uses: "I own every partition", without any lock.
        var silos = Enumerable.Range(0, 2)
            .Select(_ => database.CreateSilo(output, settings, services =>
                services.AddSingleton<IPartitionLeases>(sp => new SingleSiloLeases(sp.GetRequiredService<DatabaseConnections>()))))
            .ToList();
        await Task.WhenAll(silos.Select(s => s.StartAsync()));
        await SiloFailoverTests.Until(() => silos.All(s => s.Owned == 4), TimeSpan.FromSeconds(10), "both silos to own all four partitions");
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(silos.Select(s => s.StopAsync()));

        var conflicts = silos.Sum(s => s.Silo.VersionConflicts);
        output.WriteLine($"applied {string.Join(" + ", silos.Select(s => s.Silo.EventsApplied))} events; {conflicts} batches rolled back on a version conflict");
        var states = await database.StatesAsync();
        Assert.True(silos.All(s => s.Silo.EventsApplied > 0), "one silo did all the work: the test proved nothing");
        Assert.True(conflicts > 0, "no version conflict happened: the test proved nothing");
        Assert.Equal(events.Count, silos.Sum(s => s.Silo.EventsApplied));
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
        Assert.Equal(CounterEvents.Outputs(totals), await database.OutputsAsync());
    }
}
