using DmarcSecurity.Testing;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>SQLite, the embedded default: one localhost silo holds every partition and the same grains run.</summary>
[Collection(SiloCollection.Name)]
public sealed class SqliteSiloTests(ITestOutputHelper output)
{
    [Fact]
    public async Task One_silo_on_sqlite_applies_each_event_exactly_once_across_a_restart()
    {
        var events = CounterEvents.Generate(30_000, 500, seed: 11);
        var totals = CounterEvents.Totals(events);
        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.Sqlite);
        await database.EnqueueAsync(events[..15_000]);

        var first = database.CreateSilo(output);
        await first.StartAsync();
        await SiloFailoverTests.Until(() => first.EventsApplied >= 5_000, TimeSpan.FromSeconds(60), "the first events to be applied");
        await first.StopAsync();

        // The second silo starts with nothing in memory: the grains it resumes come from their stored states.
        var second = database.CreateSilo(output);
        await second.StartAsync();
        await database.EnqueueAsync(events[15_000..], chunk: 1_000);
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(60));
        await second.StopAsync();

        output.WriteLine($"first silo applied {first.EventsApplied}, second {second.EventsApplied}");
        var states = await database.StatesAsync();
        Assert.True(second.EventsApplied >= 15_000);
        Assert.Equal(events.Count, first.EventsApplied + second.EventsApplied);
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
        Assert.Equal(CounterEvents.Outputs(totals), await database.OutputsAsync());
    }

    [Fact]
    public async Task Two_separate_silos_on_one_sqlite_file_still_apply_each_event_exactly_once()
    {
        var settings = new Dictionary<string, string?> { ["Grains:Partitions"] = "8", ["Grains:BatchSize"] = "50" };
        var events = CounterEvents.Generate(10_000, 60, seed: 5);
        var totals = CounterEvents.Totals(events);
        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.Sqlite, settings);
        await database.EnqueueAsync(events);

        var silos = new[] { database.CreateSilo(settings: settings), database.CreateSilo(settings: settings) };
        await Task.WhenAll(silos.Select(s => s.StartAsync()));
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(silos.Select(s => s.StopAsync()));

        output.WriteLine($"applied {silos[0].EventsApplied} + {silos[1].EventsApplied}; conflicts {silos.Sum(s => s.Conflicts)}");
        var states = await database.StatesAsync();
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
        Assert.Equal(CounterEvents.Outputs(totals), await database.OutputsAsync());
    }
}
