using System.Text.Json;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Outputs;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Sources;
using DmarcSecurity.Grains.Tests.Runtime;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Outputs;

/// <summary>The output writer on a real database: alerts folded by fingerprint within a batch and across batches,
/// every history entry, decisions and outbox messages stored as the grains made them.</summary>
public abstract class OutputWriterTests(DbProvider provider) : IAsyncLifetime
{
    private const string Victim = "victim.example";
    private static readonly DateTimeOffset s_now = new(2025, 3, 2, 6, 0, 0, TimeSpan.Zero);
    private GrainTestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await GrainTestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task A_new_alert_and_its_repeats_in_one_batch_make_one_alert_that_counts_them()
    {
        await WriteAsync(
            Alert("203.0.113.1", s_now, 1),
            Alert("203.0.113.2", s_now, 1),
            Alert("203.0.113.1", s_now.AddMinutes(1), 2),
            Alert("203.0.113.1", s_now.AddMinutes(2), 3));

        await using var db = await ContextAsync();
        var alerts = await db.Alerts.OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(2, alerts.Count);
        var repeated = alerts[0];
        Assert.Equal((Fingerprint("203.0.113.1"), AlertStatus.Open, 3), (repeated.Fingerprint, repeated.Status, repeated.Occurrences));
        Assert.Equal((s_now, s_now.AddMinutes(2)), (repeated.FirstSeenAt, repeated.LastSeenAt));
        Assert.Equal((AlertRules.NewSource, "Medium", GrainTypes.Domain, Victim), (repeated.RuleKey, repeated.Severity, repeated.GrainType, repeated.GrainKey));
        Assert.Equal("{\"sourceIp\":\"203.0.113.1\"}", repeated.Discriminators);
        Assert.Equal(1, alerts[1].Occurrences);
        Assert.Equal(
            [(repeated.Id, "created", s_now), (alerts[1].Id, "created", s_now), (repeated.Id, "repeated", s_now.AddMinutes(1)), (repeated.Id, "repeated", s_now.AddMinutes(2))],
            await HistoryAsync(db));
    }

    [Fact]
    public async Task A_repeat_of_a_stored_open_alert_raises_its_count_and_a_resolved_fingerprint_opens_a_new_alert()
    {
        await WriteAsync(Alert("203.0.113.1", s_now, 1), Alert("203.0.113.2", s_now, 1));
        await using (var resolve = await ContextAsync())
        {
            await resolve.Alerts.Where(a => a.Fingerprint == Fingerprint("203.0.113.2"))
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, AlertStatus.Resolved));
        }

        // The grain may count more occurrences than the table holds (a repeat it made while the alert was closing).
        await WriteAsync(
            Alert("203.0.113.1", s_now.AddHours(1), 5),
            Alert("203.0.113.2", s_now.AddHours(1), 1),
            Alert("203.0.113.1", s_now.AddHours(2), 2));

        await using var db = await ContextAsync();
        var first = Assert.Single(await db.Alerts.Where(a => a.Fingerprint == Fingerprint("203.0.113.1")).ToListAsync());
        Assert.Equal((AlertStatus.Open, 6, s_now, s_now.AddHours(2)), (first.Status, first.Occurrences, first.FirstSeenAt, first.LastSeenAt));
        var second = await db.Alerts.Where(a => a.Fingerprint == Fingerprint("203.0.113.2")).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal([(AlertStatus.Resolved, 1), (AlertStatus.Open, 1)], second.Select(a => (a.Status, a.Occurrences)));
        Assert.Equal(
            [(first.Id, "created", s_now), (second[0].Id, "created", s_now), (first.Id, "repeated", s_now.AddHours(1)),
             (second[1].Id, "created", s_now.AddHours(1)), (first.Id, "repeated", s_now.AddHours(2))],
            await HistoryAsync(db));
    }

    [Fact]
    public async Task Decisions_and_outbox_messages_are_stored_as_the_grain_made_them()
    {
        const string ip = "192.0.2.99";
        var grain = new SourceIpGrain(ip, ReputationOnly(0.95, ip, enforce: true));
        var step = grain.Assess(grain.Observe(new SourceIpState(), Record(FirstDay, 40, failing: true), s_now), s_now);
        var block = Assert.Single(step.Decisions);
        var review = block with
        {
            DecisionId = Guid.NewGuid(), Action = DecisionAction.Review, Severity = Severity.High, AllowlistReason = "partner relay",
            RepeatOffences = 2, Supersedes = block.DecisionId, Simulated = true,
        };
        var outputs = GrainJson.Update(step, GrainJsonContext.Default.SourceIpState).Outputs
            .Append(new GrainOutput(GrainOutputKinds.Decision, review))
            .ToArray();

        await WriteAsync(outputs);

        await using var db = await ContextAsync();
        var stored = await db.Decisions.SingleAsync(d => d.Id == block.DecisionId);
        Assert.Equal((ip, "Ip", ip + "/32", "Block", "Critical", 0.95), (stored.Ip, stored.Scope, stored.Cidr, stored.Action, stored.Severity, stored.Score));
        Assert.Equal((14_400L, s_now, s_now.AddHours(4)), (stored.TtlSeconds, stored.IssuedAt, stored.ExpiresAt));
        Assert.Equal((DecisionOrigins.Dmarc, block.Reason, false, false), (stored.Origin, stored.Reason, stored.Simulated, stored.SuppressedByAllowlist));
        Assert.Equal(((string?)null, 0, (Guid?)null, ReviewStatus.NotRequired), (stored.AllowlistReason, stored.RepeatOffences, stored.Supersedes, stored.ReviewStatus));
        Assert.Contains("\"reputation\"", stored.Breakdown);
        var pending = await db.Decisions.SingleAsync(d => d.Supersedes == block.DecisionId);
        Assert.Equal((review.DecisionId, "Review", "High", true), (pending.Id, pending.Action, pending.Severity, pending.Simulated));
        Assert.Equal(("partner relay", 2, ReviewStatus.Pending), (pending.AllowlistReason, pending.RepeatOffences, pending.ReviewStatus));

        var outbox = await db.Outbox.OrderBy(o => o.Id).ToListAsync();
        var made = outputs.Where(o => o.Kind == GrainOutputKinds.Outbox).ToList();
        Assert.Equal(made.Select(o => JsonSerializer.Serialize((OutboxOutput)o.Value, GrainJsonContext.Default.OutboxOutput)), outbox.Select(o => o.Payload));
        Assert.Equal(
            step.Outbox.Select(o => (o.Channel.ToString(), o.MessageType, s_now, 0, (DateTimeOffset?)null)),
            outbox.Select(o => (o.Channel, o.MessageType, o.CreatedAt, o.Attempts, o.DispatchedAt)));
        var alert = Assert.Single(await db.Alerts.ToListAsync());
        Assert.Equal((AlertRules.SourceThreat, "Critical", GrainTypes.SourceIp, ip), (alert.RuleKey, alert.Severity, alert.GrainType, alert.GrainKey));
    }

    private static string Fingerprint(string ip) =>
        AlertGate.Fingerprint(AlertRules.NewSource, Victim, new Dictionary<string, string> { ["sourceIp"] = ip });

    private static GrainOutput Alert(string ip, DateTimeOffset at, int occurrences) =>
        new(GrainOutputKinds.Alert,
            new AlertOutput(AlertRules.NewSource, Fingerprint(ip), Severity.Medium, GrainTypes.Domain, Victim, $"New unauthorised source {ip}",
                $"{ip} failed both alignments.", new Dictionary<string, string> { ["sourceIp"] = ip }, at, occurrences > 1, occurrences));

    /// <summary>One batch: the outputs written in a transaction of their own, as the silo does.</summary>
    private async Task WriteAsync(params GrainOutput[] outputs)
    {
        IOutputStore store = provider == DbProvider.PostgreSql ? new PostgreSqlOutputStore() : new SqliteOutputStore();
        var writer = new DatabaseOutputWriter(store, new FixedClock(s_now));
        await using var connection = await _database.Connections.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        await writer.WriteAsync(connection, transaction, [.. outputs.Select(o => ("test", "key", o))], CancellationToken.None);
        await transaction.CommitAsync();
    }

    private async Task<DmarcDbContext> ContextAsync() =>
        await _database.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync();

    private static async Task<List<(long, string, DateTimeOffset)>> HistoryAsync(DmarcDbContext db) =>
        [.. (await db.AlertHistory.OrderBy(h => h.Id).ToListAsync()).Select(h => (h.AlertId, h.Action, h.At))];

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

public sealed class OutputWriterPostgreSqlTests() : OutputWriterTests(DbProvider.PostgreSql);

public sealed class OutputWriterSqliteTests() : OutputWriterTests(DbProvider.Sqlite);
