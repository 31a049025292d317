using DmarcSecurity.Data.Grains;
using DmarcSecurity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

[Collection(SiloCollection.Name)]
public abstract class GrainStatusTests(DbProvider provider, ITestOutputHelper output)
{
    private protected static readonly Dictionary<string, string?> s_fast = new()
    {
        ["Grains:Partitions"] = "8",
        ["Grains:HeartbeatInterval"] = "00:00:00.200",
        ["Grains:MemberExpiry"] = "00:00:03",
        ["Grains:LeaseTimeout"] = "00:00:05",
    };

    private protected DbProvider Provider => provider;

    private protected ITestOutputHelper Output => output;

    [Fact]
    public async Task Before_any_silo_runs_status_shows_the_pending_events_of_each_partition_and_no_owners()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider, s_fast);
        var events = CounterEvents.Generate(500, 50, seed: 4);
        await database.EnqueueAsync(events);

        var status = await Status(database);

        Assert.Equal(8, status.PartitionCount);
        Assert.Empty(status.Silos);
        Assert.Equal(500, status.PendingEvents);
        Assert.NotNull(status.OldestPendingAgeSeconds);
        Assert.Equal(Enumerable.Range(0, 8), status.Partitions.Select(p => p.Partition));
        Assert.All(status.Partitions, p => Assert.Null(p.OwnerSiloId));
        var expected = events.GroupBy(e => GrainPartitioner.PartitionOf(e.GrainType, e.GrainKey, 8)).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(Enumerable.Range(0, 8).Select(p => expected.GetValueOrDefault(p)), status.Partitions.Select(p => p.PendingEvents));
    }

    [Fact]
    public async Task A_running_silo_is_alive_owns_every_partition_and_its_row_goes_when_it_stops()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider, s_fast);
        await database.EnqueueAsync(CounterEvents.Generate(2_000, 50, seed: 4));
        var silo = database.CreateSilo(output, s_fast);
        await silo.StartAsync();
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        await SiloFailoverTests.Until(() => silo.Owned == 8, TimeSpan.FromSeconds(10), "the silo to own every partition");
        await Task.Delay(600); // a heartbeat after the last batch

        var running = await Status(database);
        await silo.StopAsync();
        var stopped = await Status(database);

        var member = Assert.Single(running.Silos);
        Assert.Equal(silo.Silo.SiloId, member.SiloId);
        Assert.True(member.Alive);
        Assert.Equal(8, member.OwnedPartitions);
        Assert.Equal(2_000, member.EventsProcessed);
        Assert.Equal(50, member.ActiveGrains);
        Assert.Equal(Environment.ProcessId, member.ProcessId);
        Assert.All(running.Partitions, p => Assert.Equal(silo.Silo.SiloId, p.OwnerSiloId));
        Assert.All(running.Partitions, p => Assert.Equal(0, p.PendingEvents));
        Assert.Equal(0, running.PendingEvents);
        Assert.Null(running.OldestPendingAgeSeconds);
        Assert.Empty(stopped.Silos);
        Assert.All(stopped.Partitions, p => Assert.Null(p.OwnerSiloId));
    }

    private protected static Task<GrainRuntimeStatus> Status(GrainTestDatabase database) =>
        database.Services.GetRequiredService<IGrainStatusQueries>().GetAsync(CancellationToken.None);
}

public sealed class GrainStatusTestsOnSqlite(ITestOutputHelper output) : GrainStatusTests(DbProvider.Sqlite, output);

public sealed class GrainStatusTestsOnPostgreSql(ITestOutputHelper output) : GrainStatusTests(DbProvider.PostgreSql, output)
{
    [Fact]
    public async Task Owners_come_from_the_leases_and_a_killed_silo_is_shown_dead_until_its_row_expires()
    {
        await using var database = await GrainTestDatabase.CreateAsync(Provider, s_fast);
        var first = database.CreateSilo(Output, s_fast);
        var second = database.CreateSilo(Output, s_fast);
        await first.StartAsync();
        await second.StartAsync();
        await SiloFailoverTests.Until(() => first.Owned == 4 && second.Owned == 4, TimeSpan.FromSeconds(10), "the silos to share the partitions");
        await Task.Delay(600);

        var shared = await Status(database);
        await second.CrashAsync();
        await SiloFailoverTests.Until(() => first.Owned == 8, TimeSpan.FromSeconds(10), "the first silo to take over");
        await Task.Delay(600);
        var afterCrash = await Status(database);
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var afterExpiry = await Status(database);

        Assert.Equal(2, shared.Silos.Count(s => s.Alive));
        Assert.Equal(4, shared.Partitions.Count(p => p.OwnerSiloId == first.Silo.SiloId));
        Assert.Equal(4, shared.Partitions.Count(p => p.OwnerSiloId == second.Silo.SiloId));
        Assert.Equal([first.Silo.SiloId], afterCrash.Silos.Where(s => s.Alive).Select(s => s.SiloId));
        Assert.Contains(afterCrash.Silos, s => s.SiloId == second.Silo.SiloId && !s.Alive);
        Assert.All(afterCrash.Partitions, p => Assert.Equal(first.Silo.SiloId, p.OwnerSiloId));
        Assert.Equal([first.Silo.SiloId], afterExpiry.Silos.Select(s => s.SiloId));
    }
}
