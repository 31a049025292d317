using DmarcSecurity.Data.Grains;
using DmarcSecurity.Testing;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>
/// Inbox ids are handed out when events are written, not when their transaction commits: an upload that began first
/// can commit after a later one, and its events then reach the grain after events with higher ids. A grain that kept
/// only a watermark of the highest id it applied would take them for already applied and lose them. Exactly-once
/// rests instead on each event's own inbox row, deleted in the transaction that stores the grain's new state.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class LateCommitTests(ITestOutputHelper output)
{
    /// <summary>PostgreSQL only: SQLite has one writer, so there a later upload waits for the earlier to commit.</summary>
    [Fact]
    public async Task Events_committed_after_newer_ones_of_the_same_grain_are_still_applied_once()
    {
        var settings = new Dictionary<string, string?> { ["Grains:Partitions"] = "4", ["Grains:PollInterval"] = "00:00:00.050" };
        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql, settings);
        var silo = database.CreateSilo(output, settings);
        await silo.StartAsync();
        // A first upload fixes the partition count in the database (the first writer takes a lock on it until it
        // commits); after that, uploads write side by side.
        await database.EnqueueAsync([Event("warm-up", 1)]);
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));

        // The early upload takes its ids first and holds its transaction open.
        await using var early = await database.Connections.OpenAsync(CancellationToken.None);
        await using var earlyTransaction = await early.BeginTransactionAsync();
        await database.Inbox.EnqueueAsync(early, earlyTransaction, [Event("key-1", 1), Event("key-1", 10)], CancellationToken.None);

        // A later upload of the same grain commits, and the silo applies it.
        await database.EnqueueAsync([Event("key-1", 100)]);
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        var first = (await database.StatesAsync())["key-1"].State;

        await earlyTransaction.CommitAsync();
        await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
        await silo.StopAsync();

        var last = (await database.StatesAsync())["key-1"].State;
        Assert.Equal((100L, 1L), (first.Sum, first.Count));
        Assert.Equal((111L, 3L), (last.Sum, last.Count));
    }

    private static NewInboxEvent Event(string key, int value) => new(CounterGrain.Type, key, CounterGrain.EventType, CounterGrain.Payload(value));
}
