using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Grains.Tests.Runtime;

public abstract class GrainInboxWriterTests(DbProvider provider)
{
    [Fact]
    public async Task Enqueued_events_land_in_list_order_in_their_grains_partitions()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider);
        var events = CounterEvents.Generate(1_000, 100, seed: 3);

        await database.EnqueueAsync(events, chunk: 300);

        var rows = await InboxAsync(database);
        Assert.Equal(64, await database.ScalarAsync("SELECT partitions FROM grain_partitioning"));
        Assert.Equal(events.Select(e => (e.GrainKey, e.Payload)), rows.Select(r => (r.Key, r.Payload)));
        Assert.All(rows, r => Assert.Equal(GrainPartitioner.PartitionOf(CounterGrain.Type, r.Key, 64), r.Partition));
    }

    [Fact]
    public async Task Events_of_a_rolled_back_transaction_are_not_enqueued()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider);
        await using var connection = await database.Connections.OpenAsync(CancellationToken.None);

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await database.Inbox.EnqueueAsync(connection, transaction, CounterEvents.Generate(200, 10, seed: 1), CancellationToken.None);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0, await database.ScalarAsync("SELECT COUNT(*) FROM grain_inbox"));
    }

    [Fact]
    public async Task The_partition_count_is_fixed_by_the_first_committed_writer_and_later_settings_are_ignored()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider, new Dictionary<string, string?> { ["Grains:Partitions"] = "16" });
        await using var other = GrainTestDatabase.BuildServices(database.ConnectionString, new Dictionary<string, string?> { ["Grains:Partitions"] = "32" });
        var otherInbox = other.GetRequiredService<IGrainInboxWriter>();
        var events = CounterEvents.Generate(500, 500, seed: 9);

        // The first writer's first enqueue is rolled back: its 16 was never stored and must not stick.
        await using (var connection = await database.Connections.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await database.Inbox.EnqueueAsync(connection, transaction, events[..10], CancellationToken.None);
            await transaction.RollbackAsync();
        }

        await using (var connection = await other.GetRequiredService<DatabaseConnections>().OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await otherInbox.EnqueueAsync(connection, transaction, events[..250], CancellationToken.None);
            await transaction.CommitAsync();
        }

        await database.EnqueueAsync(events[250..]);

        var rows = await InboxAsync(database);
        Assert.Equal(32, await database.ScalarAsync("SELECT partitions FROM grain_partitioning"));
        Assert.Equal(500, rows.Count);
        Assert.All(rows, r => Assert.Equal(GrainPartitioner.PartitionOf(CounterGrain.Type, r.Key, 32), r.Partition));
        Assert.Contains(rows, r => r.Partition >= 16);
    }

    [Fact]
    public async Task Enqueue_from_a_dbcontext_joins_its_transaction()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider);
        var contexts = database.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>();
        var events = CounterEvents.Generate(3, 3, seed: 2);

        await using (var context = await contexts.CreateDbContextAsync())
        {
            await using var transaction = await context.Database.BeginTransactionAsync();
            await database.Inbox.EnqueueAsync(context, events, CancellationToken.None);
            await transaction.RollbackAsync();
        }

        await using (var context = await contexts.CreateDbContextAsync())
        {
            await using var transaction = await context.Database.BeginTransactionAsync();
            await database.Inbox.EnqueueAsync(context, events, CancellationToken.None);
            await transaction.CommitAsync();
        }

        await using (var context = await contexts.CreateDbContextAsync())
        {
            var stored = await context.GrainInbox.OrderBy(e => e.Id).ToListAsync();
            Assert.Equal(events.Select(e => (e.GrainType, e.GrainKey, e.EventType, e.Payload)), stored.Select(e => (e.GrainType, e.GrainKey, e.EventType, e.Payload)));
            Assert.All(stored, e => Assert.InRange(e.EnqueuedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1)));
        }
    }

    [Fact]
    public async Task Enqueue_from_a_dbcontext_without_a_transaction_is_refused()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider);
        await using var context = await database.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => database.Inbox.EnqueueAsync(context, CounterEvents.Generate(1, 1, seed: 1), CancellationToken.None));

        Assert.Contains("transaction", error.Message);
    }

    [Fact]
    public async Task An_event_without_a_grain_key_is_refused_and_nothing_is_written()
    {
        await using var database = await GrainTestDatabase.CreateAsync(provider);
        await using var connection = await database.Connections.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        List<NewInboxEvent> events = [new(CounterGrain.Type, "key-1", CounterGrain.EventType, CounterGrain.Payload(1)), new(CounterGrain.Type, "", CounterGrain.EventType, CounterGrain.Payload(1))];

        await Assert.ThrowsAsync<ArgumentException>(() => database.Inbox.EnqueueAsync(connection, transaction, events, CancellationToken.None));
        await transaction.CommitAsync();

        Assert.Equal(0, await database.ScalarAsync("SELECT COUNT(*) FROM grain_inbox"));
    }

    private static async Task<List<(long Id, int Partition, string Key, string Payload)>> InboxAsync(GrainTestDatabase database)
    {
        var rows = new List<(long, int, string, string)>();
        await using var connection = await database.Connections.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand(null, "SELECT id, partition, grain_key, payload FROM grain_inbox ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }
}

public sealed class GrainInboxWriterTestsOnPostgreSql() : GrainInboxWriterTests(DbProvider.PostgreSql);

public sealed class GrainInboxWriterTestsOnSqlite() : GrainInboxWriterTests(DbProvider.Sqlite);
