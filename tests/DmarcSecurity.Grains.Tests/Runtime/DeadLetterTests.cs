using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>An event its handler cannot apply is set aside with the error; the rest of its partition goes on.</summary>
public abstract class DeadLetterTests(DbProvider provider)
{
    private const string Type = "picky";

    /// <summary>Sums its events, and throws for any event whose payload says "poison".</summary>
    private sealed class PickyGrain : IGrainHandler
    {
        public string GrainType => Type;

        public TimeSpan? TickInterval => null;

        public GrainUpdate Apply(string key, string? state, IReadOnlyList<InboxEvent> events, DateTimeOffset now)
        {
            var sum = state is null ? 0 : int.Parse(state, System.Globalization.CultureInfo.InvariantCulture);
            foreach (var e in events)
            {
                sum += e.Payload == "poison" ? throw new FormatException("cannot read this event") : int.Parse(e.Payload, System.Globalization.CultureInfo.InvariantCulture);
            }

            return new GrainUpdate(sum.ToString(System.Globalization.CultureInfo.InvariantCulture), []);
        }

        public GrainUpdate? Tick(string key, string state, DateTimeOffset now) => null;
    }

    [GrainType(Type)]
    internal sealed class PickyGrainHost(IEnumerable<IGrainHandler> handlers, GrainStorage storage, TimeProvider clock, Microsoft.Extensions.Logging.ILogger<PickyGrainHost> logger)
        : InboxGrain(handlers, storage, clock, logger), IInboxGrain;

    [Fact]
    public async Task Events_a_handler_cannot_apply_are_dead_lettered_and_the_partition_goes_on()
    {
        var database = await TestDatabases.CreateAsync(provider);
        try
        {
            await using var silo = TestSilo.Create(database, null, new Dictionary<string, string?> { ["Grains:PollInterval"] = "00:00:00.020" },
                services => services.AddSingleton<IGrainHandler>(new PickyGrain()), null);
            var contexts = silo.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>();
            await silo.Services.GetRequiredService<Data.Schema.SchemaMigrator>().MigrateAsync(CancellationToken.None);
            await using (var db = await contexts.CreateDbContextAsync())
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                await silo.Services.GetRequiredService<IGrainInboxWriter>().EnqueueAsync(db,
                [
                    new NewInboxEvent(Type, "good", "n", "5"),
                    new NewInboxEvent(Type, "bad", "n", "poison"),
                    new NewInboxEvent(Type, "good", "n", "7"),
                ], CancellationToken.None);
                await transaction.CommitAsync();
            }

            await silo.StartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            List<GrainDeadLetterEntity> letters;
            string? good;
            while (true)
            {
                await using var db = await contexts.CreateDbContextAsync();
                letters = await db.GrainDeadLetters.ToListAsync();
                good = await db.GrainStates.Where(s => s.GrainType == Type && s.GrainKey == "good").Select(s => s.State).SingleOrDefaultAsync();
                if ((good is not null && letters.Count > 0) || DateTime.UtcNow > deadline)
                {
                    Assert.Equal(0, await db.GrainInbox.CountAsync());
                    Assert.False(await db.GrainStates.AnyAsync(s => s.GrainKey == "bad"));
                    break;
                }

                await Task.Delay(50);
            }

            await silo.StopAsync();
            Assert.Equal("12", good);
            var letter = Assert.Single(letters);
            Assert.Equal(("bad", "poison"), (letter.GrainKey, letter.Payload));
            Assert.Contains("cannot read this event", letter.Error);
        }
        finally
        {
            await TestDatabases.DropAsync(database);
        }
    }
}

public sealed class DeadLetterPostgreSqlTests() : DeadLetterTests(DbProvider.PostgreSql);

public sealed class DeadLetterSqliteTests() : DeadLetterTests(DbProvider.Sqlite);
