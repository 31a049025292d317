using System.Diagnostics;
using DmarcSecurity.Data;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>The runtime's promise under failure, against real PostgreSQL, with Orleans' in-process test cluster: a silo
/// dies mid-stream, Orleans' membership declares it dead, its partitions come back on the other, and nothing is lost
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
        await alone.DisposeAsync();
        output.WriteLine($"one silo: {Events:N0} events in {clock.Elapsed.TotalSeconds:F1} s ({Events / clock.Elapsed.TotalSeconds:N0} events/s)");
        var referenceStates = await reference.StatesAsync();
        var referenceOutputs = await reference.OutputsAsync();

        // Two silos of one Orleans cluster; events streamed in while they run; one of them killed half way through.
        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql);
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Grains:PollInterval"] = "00:00:00.050",
                ["Grains:KeepAliveInterval"] = "00:00:00.200",
            });
            host.Logging.AddFilter("Orleans", LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning);
            host.Logging.AddProvider(new TestOutputLoggerProvider(output));
            host.Services.AddDmarcData(database.ConnectionString);
            host.Services.AddGrainRuntimeServices();
            host.Services.AddSingleton<IGrainHandler>(new CounterGrain());
            host.Services.AddSingleton<IGrainOutputWriter, TestOutputWriter>();
        });
        builder.ConfigureSilo((_, silo) => silo.AddGrainRuntime(new GrainRuntimeOptions()));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var survivor = cluster.Silos[0];
        var victim = cluster.Silos[1];
        await Until(async () => await PartitionsAsync(survivor) > 0 && await PartitionsAsync(victim) > 0 && await PartitionsAsync(survivor) + await PartitionsAsync(victim) == 64,
            TimeSpan.FromSeconds(30), "the two silos to share the partitions");
        output.WriteLine($"shared: survivor holds {await PartitionsAsync(survivor)} partitions, victim {await PartitionsAsync(victim)}");

        clock.Restart();
        var producer = database.EnqueueAsync(events, chunk: 2_000);
        await Until(() => Applied(survivor) + Applied(victim) >= Events / 2, s_drainTimeout, "half the events to be applied");
        var victimApplied = Applied(victim);
        var killed = Stopwatch.StartNew();
        await cluster.KillSiloAsync(victim);
        await Until(async () => await PartitionsAsync(survivor) == 64, TimeSpan.FromSeconds(30), "the survivor to hold every partition");
        var takeover = killed.Elapsed;
        output.WriteLine($"victim killed after applying {victimApplied:N0} events; survivor held all 64 partitions {takeover.TotalSeconds:F2} s later");

        await producer;
        await database.WaitForEmptyInboxAsync(s_drainTimeout);
        clock.Stop();
        var conflicts = survivor.ServiceProvider.GetRequiredService<GrainTelemetry>().TotalConflicts;
        output.WriteLine($"two silos with a kill: {Events:N0} events in {clock.Elapsed.TotalSeconds:F1} s; survivor applied {Applied(survivor):N0}, refused writes {conflicts}");
        await cluster.StopAllSilosAsync();

        var states = await database.StatesAsync();
        var outputs = await database.OutputsAsync();
        Assert.True(victimApplied > 0, "the victim applied nothing before it was killed");
        Assert.True(takeover < TimeSpan.FromSeconds(15), $"takeover took {takeover}");
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
        Assert.Equal(referenceStates.Select(s => (s.Key, s.Value.State)), states.Select(s => (s.Key, s.Value.State)));
        Assert.Equal(CounterEvents.Outputs(totals), outputs);
        Assert.Equal(referenceOutputs, outputs);
    }

    private static long Applied(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<GrainTelemetry>().TotalEventsApplied;

    /// <summary>Partition grains active on the silo, as Orleans' management grain counts them.</summary>
    private static async Task<int> PartitionsAsync(InProcessSiloHandle silo)
    {
        var management = silo.ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics([silo.SiloAddress]);
        return statistics.Where(s => s.GrainType.Contains(nameof(PartitionGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);
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
