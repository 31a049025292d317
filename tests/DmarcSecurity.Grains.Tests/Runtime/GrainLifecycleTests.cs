using System.Diagnostics.Metrics;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>Activation, timers, idle eviction and telemetry of grains inside a running silo.</summary>
[Collection(SiloCollection.Name)]
public abstract class GrainLifecycleTests(DbProvider provider, ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> s_settings = new()
    {
        ["Grains:Partitions"] = "8",
        ["Grains:PollInterval"] = "00:00:00.050",
        ["Grains:DueScanInterval"] = "00:00:00.200",
        ["Grains:IdleEviction"] = "00:00:01",
    };

    [Fact]
    public async Task Active_grains_tick_at_their_interval_in_versioned_writes_that_events_never_overwrite()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider, s_settings);
        var events = CounterEvents.Generate(3_000, 20, seed: 8);
        var totals = CounterEvents.Totals(events);
        var silo = database.CreateSilo(output, s_settings, tickInterval: TimeSpan.FromMilliseconds(100));
        await silo.StartAsync();

        // Events arrive while the grains tick.
        foreach (var part in events.Chunk(300))
        {
            await database.EnqueueAsync(part);
            await Task.Delay(50);
        }

        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        await SiloFailoverTests.Until(() => TicksAtLeast(database, 3), TimeSpan.FromSeconds(20), "every grain to tick three times");
        await silo.StopAsync();

        var states = await database.StatesAsync();
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
        Assert.All(states.Values, s => Assert.True(s.State.Ticks >= 3));
        // Every write, by event batch or by tick, raised the version by exactly one.
        Assert.All(states.Values, s => Assert.True(s.Version > s.State.Ticks));
    }

    [Fact]
    public async Task Grains_in_memory_apply_their_own_events_and_the_partitions_apply_the_others_without_activating_them()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider, s_settings);
        var first = CounterEvents.Generate(1_000, 30, seed: 12);
        var second = CounterEvents.Generate(1_000, 30, seed: 13);
        var third = CounterEvents.Generate(1_000, 30, seed: 15);
        var silo = database.CreateSilo(output, s_settings);
        await silo.StartAsync();

        // Nothing in memory: the partitions apply every event themselves and no grain is activated for them.
        await database.EnqueueAsync(first);
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        var activeAfterFirst = await silo.ActiveCountersAsync();

        // Ten grains brought into memory (as their due ticks would) get their next events themselves, on the
        // state they loaded; the other twenty still stay out of memory.
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => grains.GetGrain<IInboxGrain>(GrainId.Create(CounterGrain.Type, $"key-{i}")).TickAsync()));
        await database.EnqueueAsync(second);
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        var activeAfterSecond = await silo.ActiveCountersAsync();

        // Collected idle, they are out of the silo's set of grains in memory and their partitions take over again.
        await SiloFailoverTests.Until(async () => await silo.ActiveCountersAsync() == 0, TimeSpan.FromSeconds(20), "Orleans to collect the idle grains");
        await database.EnqueueAsync(third);
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        var activeAfterThird = await silo.ActiveCountersAsync();
        await silo.StopAsync();

        var totals = CounterEvents.Totals([.. first, .. second, .. third]);
        var states = await database.StatesAsync();
        Assert.Equal((0, 10, 0), (activeAfterFirst, activeAfterSecond, activeAfterThird));
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
        Assert.Equal(0, silo.Conflicts);
    }

    [Fact]
    public async Task Applied_events_and_group_commits_are_measured()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider, s_settings);
        var silo = database.CreateSilo(output, s_settings);
        var meter = silo.Services.GetRequiredService<GrainTelemetry>().Meter;
        long applied = 0;
        var batches = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "dmarc.grains.events.applied")
            {
                Interlocked.Add(ref applied, value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) =>
        {
            if (instrument.Name == "dmarc.grains.commit.duration")
            {
                Interlocked.Increment(ref batches);
            }
        });
        listener.Start();

        await database.EnqueueAsync(CounterEvents.Generate(2_500, 40, seed: 14));
        await silo.StartAsync();
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        await silo.StopAsync();

        Assert.Equal("DmarcSecurity.Grains", meter.Name);
        Assert.Equal(2_500, Interlocked.Read(ref applied));
        Assert.InRange(Volatile.Read(ref batches), 1, 2_500);
    }

    [Fact]
    public async Task Grains_that_hear_nothing_still_tick_in_a_silo_that_never_had_them_in_memory()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider, s_settings);
        var events = CounterEvents.Generate(200, 10, seed: 9);
        var first = database.CreateSilo(output, s_settings);
        await first.StartAsync();
        await database.EnqueueAsync(events);
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        await first.StopAsync();
        await first.DisposeAsync();
        Assert.All((await database.StatesAsync()).Values, s => Assert.Equal(0, s.State.Ticks));

        // A new silo: no event will come, so only the scan for due grains can bring them into memory.
        await using var second = database.CreateSilo(output, s_settings, tickInterval: TimeSpan.FromMilliseconds(200));
        await second.StartAsync();
        await SiloFailoverTests.Until(() => TicksAtLeast(database, 2), TimeSpan.FromSeconds(20), "every idle grain to tick twice");
        await second.StopAsync();

        var states = await database.StatesAsync();
        Assert.Equal(10, states.Count);
        Assert.All(states.Values, s => Assert.True(s.State.Ticks >= 2));
    }

    private static async Task<bool> TicksAtLeast(GrainTestDatabase database, int ticks) =>
        (await database.StatesAsync()).Values.All(s => s.State.Ticks >= ticks);
}

public sealed class GrainLifecycleTestsOnPostgreSql(ITestOutputHelper output) : GrainLifecycleTests(DbProvider.PostgreSql, output);

public sealed class GrainLifecycleTestsOnSqlite(ITestOutputHelper output) : GrainLifecycleTests(DbProvider.Sqlite, output);
