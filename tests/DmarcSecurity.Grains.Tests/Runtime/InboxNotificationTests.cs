using System.Diagnostics;
using DmarcSecurity.Testing;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>On PostgreSQL a silo hears of committed events through LISTEN/NOTIFY and applies them at once; polling
/// is only the fallback.</summary>
[Collection(SiloCollection.Name)]
public sealed class InboxNotificationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Committed_events_are_applied_at_once_without_waiting_for_a_poll()
    {
        // A poll a minute: events of all eight partitions applied within a second, three times in a row, can only
        // have been woken by the notification.
        var settings = new Dictionary<string, string?>
        {
            ["Grains:Partitions"] = "8",
            ["Grains:PollInterval"] = "00:01:00",
        };
        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql, settings);
        var silo = database.CreateSilo(output, settings);
        await silo.StartAsync();
        await Task.Delay(1000); // the partitions' first look at the empty inbox, at activation

        var all = new List<Data.Grains.NewInboxEvent>();
        for (var round = 0; round < 3; round++)
        {
            await Task.Delay(500);
            var events = CounterEvents.Generate(400, 40, seed: 30 + round);
            all.AddRange(events);
            var clock = Stopwatch.StartNew();
            await database.EnqueueAsync(events);
            await database.WaitForEmptyInboxAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"round {round + 1}: applied {clock.ElapsedMilliseconds} ms after the commit");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"round {round + 1} took {clock.Elapsed}: the silo waited for a poll");
        }

        await silo.StopAsync();
        var totals = CounterEvents.Totals(all);
        var states = await database.StatesAsync();
        Assert.Equal(totals.Select(t => (t.Key, t.Value.Sum, t.Value.Count)), states.Select(s => (s.Key, s.Value.State.Sum, s.Value.State.Count)));
    }
}
