using DmarcSecurity.Api.Retention;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Ids;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Notifications;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Tests;

/// <summary>The retention job removes what outlived its period and nothing else: the raw XML of old files (their
/// parsed reports stay), settled deliveries, dispatched outbox messages, audit, ingestion history and IDS alerts.</summary>
public abstract class RetentionTests(ApiFixture fixture)
{
    [Fact]
    public async Task Old_raw_xml_settled_deliveries_outbox_audit_and_history_go_and_the_rest_stays()
    {
        var old = Seed.Now.AddDays(-400);
        var upload = await Upload.FilesAsync(fixture.Client,
            ("old.xml", ReportXml.Build(Guid.NewGuid().ToString("N"), "retention-old.example")),
            ("new.xml", ReportXml.Build(Guid.NewGuid().ToString("N"), "retention-new.example")));
        var oldFile = upload.Files.Single(f => f.FileName == "old.xml").Sha256;
        await Seed.QueryAsync(fixture, db => db.IngestedFiles.Where(f => f.Sha256 == oldFile).ExecuteUpdateAsync(s => s.SetProperty(f => f.ReceivedAt, old)));
        var outbox = new[] { Outbox(old, dispatched: true), Outbox(old, dispatched: false), Outbox(Seed.Now, dispatched: true) };
        await Seed.AddAsync(fixture, [.. outbox,
            Delivery("old-delivered", old, DeliveryStatus.Delivered), Delivery("old-dead", old, DeliveryStatus.DeadLettered),
            Delivery("old-pending", old, DeliveryStatus.Pending), Delivery("new-delivered", Seed.Now, DeliveryStatus.Delivered),
            Audit("retention-old", old), Audit("retention-new", Seed.Now),
            History("retention-old", old), History("retention-new", Seed.Now)]);
        var ids = new IdsIngestionEntity { ReceivedAt = Seed.Now, Source = "retention-ids", Size = 1, Sha256 = "retention", Outcome = FileOutcome.Stored };
        await Seed.AddAsync(fixture, ids);
        await Seed.AddAsync(fixture, IdsAlert(ids.Id, "retention-old", old), IdsAlert(ids.Id, "retention-new", Seed.Now));
        var job = new RetentionJob(
            fixture.Factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>(),
            new FixedOptions(new RetentionOptions()), TimeProvider.System, NullLogger<RetentionJob>.Instance);

        var run = await job.RunAsync(CancellationToken.None);

        Assert.Equal((1, 2, 1, 1, 1, 1), (run.RawXml, run.Deliveries, run.Outbox, run.Audit, run.IngestionHistory, run.IdsAlerts));
        var (reports, rawXml, deliveries, remainingOutbox, audit, history) = await Seed.QueryAsync(fixture, async db => (
            await db.Reports.CountAsync(r => r.PolicyDomain.StartsWith("retention-")),
            await db.RawXml.CountAsync(x => x.Report!.PolicyDomain.StartsWith("retention-")),
            await db.NotificationDeliveries.Select(d => d.IdempotencyKey).OrderBy(k => k).ToListAsync(),
            await db.Outbox.Where(o => outbox.Select(x => x.Id).Contains(o.Id)).CountAsync(),
            await db.AuditEntries.Where(a => a.Action.StartsWith("retention-")).Select(a => a.Action).ToListAsync(),
            await db.IngestionHistory.Where(h => h.Source.StartsWith("retention-")).Select(h => h.Source).ToListAsync()));
        Assert.Equal((2, 1), (reports, rawXml));
        Assert.Equal(["new-delivered", "old-pending"], deliveries);
        Assert.Equal(2, remainingOutbox);
        Assert.Equal(["retention-new"], audit);
        Assert.Equal(["retention-new"], history);
        Assert.Equal(["retention-new"], await Seed.QueryAsync(fixture, db => db.IdsAlerts.Where(a => a.IngestionId == ids.Id).Select(a => a.Signature).ToListAsync()));
    }

    private static IdsAlertEntity IdsAlert(long ingestion, string signature, DateTimeOffset at) => new()
    {
        IngestionId = ingestion, At = at, SourceIp = "203.0.113.5", Signature = signature,
    };

    private static OutboxMessageEntity Outbox(DateTimeOffset at, bool dispatched) => new()
    {
        Channel = "Notify", MessageType = "alert.raised", Payload = "{}", CreatedAt = at, DispatchedAt = dispatched ? at : null,
    };

    private static NotificationDeliveryEntity Delivery(string key, DateTimeOffset at, DeliveryStatus status) => new()
    {
        Channel = "hook", Kind = "Webhook", IdempotencyKey = key, MessageType = "test", Severity = "Info", Title = key, Payload = "{}",
        Status = status, NextAttemptAt = at, CreatedAt = at,
    };

    private static AuditEntryEntity Audit(string action, DateTimeOffset at) => new() { Action = action, Outcome = "Success", At = at };

    private static IngestionHistoryEntity History(string source, DateTimeOffset at) => new()
    {
        Source = source, Sha256 = new string('0', 64), ReceivedAt = at, Outcome = FileOutcome.Rejected, ReportIds = "[]", DuplicateOfReportIds = "[]",
    };

    private sealed class FixedOptions(RetentionOptions value) : IOptionsMonitor<RetentionOptions>
    {
        public RetentionOptions CurrentValue => value;

        public RetentionOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<RetentionOptions, string?> listener) => null;
    }
}

/// <summary>The Api with its notification dispatcher asleep after its first look, so the outbox messages and deliveries
/// the test seeds stay as seeded until the retention job runs.</summary>
public abstract class QuietDispatcherApiFixture : ApiFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Notifications:PollInterval", "1.00:00:00")];
}

public sealed class QuietDispatcherPostgreSqlApiFixture : QuietDispatcherApiFixture
{
    public override DbProvider Provider => DbProvider.PostgreSql;
}

public sealed class QuietDispatcherSqliteApiFixture : QuietDispatcherApiFixture
{
    public override DbProvider Provider => DbProvider.Sqlite;
}

[Trait("Provider", "PostgreSql")]
public sealed class RetentionPostgreSqlTests(QuietDispatcherPostgreSqlApiFixture fixture) : RetentionTests(fixture), IClassFixture<QuietDispatcherPostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class RetentionSqliteTests(QuietDispatcherSqliteApiFixture fixture) : RetentionTests(fixture), IClassFixture<QuietDispatcherSqliteApiFixture>;
