using System.Diagnostics;
using DmarcSecurity.Testing;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>The runtime's promise under failure, against real PostgreSQL: a silo dies mid-stream and nothing is lost
/// or applied twice.</summary>
[Collection(SiloCollection.Name)]
public sealed class SiloFailoverTests(ITestOutputHelper output)
{
    private const int Events = 200_000;
    private const int Keys = 5_000;
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_silos_with_one_killed_midway_end_exactly_where_one_silo_alone_ends()
    {
        var events = CounterEvents.Generate(Events, Keys, seed: 20250301);
        var totals = CounterEvents.Totals(events);

        // Reference: one silo over the same events.
        await using var reference = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql);
        await reference.EnqueueAsync(events);
        var alone = reference.CreateSilo();
        var clock = Stopwatch.StartNew();
        await alone.StartAsync();
        await reference.WaitForEmptyInboxAsync(s_drainTimeout);
        clock.Stop();
        await alone.StopAsync();
        output.WriteLine($"one silo: {Events:N0} events in {clock.Elapsed.TotalSeconds:F1} s ({Events / clock.Elapsed.TotalSeconds:N0} events/s)");
        var referenceStates = await reference.StatesAsync();
        var referenceOutputs = await reference.OutputsAsync();

        // Two silos; events streamed in while they run; the second one killed half way through.
        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql);
        var survivor = database.CreateSilo(output);
        var victim = database.CreateSilo(output);
        await survivor.StartAsync();
        await victim.StartAsync();
        await Until(() => survivor.Owned > 0 && victim.Owned > 0 && survivor.Owned + victim.Owned == 64, TimeSpan.FromSeconds(20), "the two silos to share the partitions");
        output.WriteLine($"shared: survivor owns {survivor.Owned}, victim owns {victim.Owned}");

        clock.Restart();
        var producer = database.EnqueueAsync(events, chunk: 2_000);
        await Until(() => survivor.Silo.EventsApplied + victim.Silo.EventsApplied >= Events / 2, s_drainTimeout, "half the events to be applied");
        var victimApplied = victim.Silo.EventsApplied;
        var killed = Stopwatch.StartNew();
        await victim.CrashAsync();
        await Until(() => survivor.Owned == 64, TimeSpan.FromSeconds(30), "the survivor to take over every partition");
        var takeover = killed.Elapsed;
        output.WriteLine($"victim killed after applying {victimApplied:N0} events; survivor owned all 64 partitions {takeover.TotalSeconds:F2} s later");

        await producer;
        await database.WaitForEmptyInboxAsync(s_drainTimeout);
        clock.Stop();
        await survivor.StopAsync();
        output.WriteLine($"two silos with a kill: {Events:N0} events in {clock.Elapsed.TotalSeconds:F1} s; survivor applied {survivor.Silo.EventsApplied:N0}, " +
                         $"version conflicts {survivor.Silo.VersionConflicts}");

        var states = await database.StatesAsync();
        var outputs = await database.OutputsAsync();
        Assert.True(victimApplied > 0, "the victim applied nothing before it was killed");
        Assert.True(takeover < TimeSpan.FromSeconds(15), $"takeover took {takeover}");
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
        Assert.Equal(referenceStates.Select(s => (s.Key, s.Value.State)), states.Select(s => (s.Key, s.Value.State)));
        Assert.Equal(CounterEvents.Outputs(totals), outputs);
        Assert.Equal(referenceOutputs, outputs);
    }

    internal static Task Until(Func<bool> condition, TimeSpan timeout, string what) =>
        Until(() => Task.FromResult(condition()), timeout, what);

    internal static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout} for {what}.");
            }

            await Task.Delay(20);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SiloCollection
{
    /// <summary>The tests that run silos share the machine's cores: one at a time keeps each one's timing honest.</summary>
    public const string Name = "silos";
}
