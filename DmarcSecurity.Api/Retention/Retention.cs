using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Retention;

/// <summary>How long what piles up is kept (section <c>Retention</c>); zero keeps it for ever. Reports and their
/// records are kept for ever: they are the evidence every view counts from.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>The original XML of reports, by the time the file arrived (the parsed report stays).</summary>
    public TimeSpan RawXml { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Notification deliveries that were delivered or dead-lettered, by creation.</summary>
    public TimeSpan Deliveries { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Outbox messages already dispatched, by creation.</summary>
    public TimeSpan Outbox { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The audit trail.</summary>
    public TimeSpan Audit { get; set; } = TimeSpan.FromDays(365);

    /// <summary>The ingestion history (what arrived, by any route, and what became of it).</summary>
    public TimeSpan IngestionHistory { get; set; } = TimeSpan.FromDays(365);

    /// <summary>IDS alerts and notices, by the time the sensor saw them (the grains keep their own summary for the
    /// evidence window).</summary>
    public TimeSpan IdsAlerts { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often the job runs; zero turns it off.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);
}

/// <summary>Rows one run removed, per kind.</summary>
public sealed record RetentionRun(DateTimeOffset At, int RawXml, int Deliveries, int Outbox, int Audit, int IngestionHistory, int IdsAlerts);

/// <summary>Prunes what outlived its retention period, a kind at a time, each in its own statement.</summary>
public sealed partial class RetentionJob(
    IDbContextFactory<DmarcDbContext> contexts, IOptionsMonitor<RetentionOptions> options, TimeProvider clock, ILogger<RetentionJob> logger)
    : ScheduledJob(contexts, clock, logger)
{
    public override string Name => "retention";

    public override string Description => "Prunes raw report XML, settled deliveries, dispatched outbox messages, audit, ingestion history and IDS alerts past their retention.";

    public override TimeSpan Interval => options.CurrentValue.Interval;

    protected override async Task<string> RunOnceAsync(CancellationToken cancellationToken)
    {
        var r = await RunAsync(cancellationToken);
        return $"Removed {r.RawXml} raw reports, {r.Deliveries} deliveries, {r.Outbox} outbox messages, {r.Audit} audit entries, " +
            $"{r.IngestionHistory} ingestion history entries and {r.IdsAlerts} IDS alerts.";
    }

    public async Task<RetentionRun> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = Clock.GetUtcNow();
        await using var db = await Contexts.CreateDbContextAsync(cancellationToken);
        var rawXml = settings.RawXml > TimeSpan.Zero
            ? await db.RawXml.Where(x => x.Report!.File!.ReceivedAt < (now - settings.RawXml).ToUniversalTime()).ExecuteDeleteAsync(cancellationToken)
            : 0;
        var deliveries = settings.Deliveries > TimeSpan.Zero
            ? await db.NotificationDeliveries.Where(d => d.Status != DeliveryStatus.Pending && d.CreatedAt < (now - settings.Deliveries).ToUniversalTime())
                .ExecuteDeleteAsync(cancellationToken)
            : 0;
        var outbox = settings.Outbox > TimeSpan.Zero
            ? await db.Outbox.Where(o => o.DispatchedAt != null && o.CreatedAt < (now - settings.Outbox).ToUniversalTime()).ExecuteDeleteAsync(cancellationToken)
            : 0;
        var audit = settings.Audit > TimeSpan.Zero
            ? await db.AuditEntries.Where(a => a.At < (now - settings.Audit).ToUniversalTime()).ExecuteDeleteAsync(cancellationToken)
            : 0;
        var history = settings.IngestionHistory > TimeSpan.Zero
            ? await db.IngestionHistory.Where(h => h.ReceivedAt < (now - settings.IngestionHistory).ToUniversalTime()).ExecuteDeleteAsync(cancellationToken)
            : 0;
        var idsAlerts = settings.IdsAlerts > TimeSpan.Zero
            ? await db.IdsAlerts.Where(a => a.At < (now - settings.IdsAlerts).ToUniversalTime()).ExecuteDeleteAsync(cancellationToken)
            : 0;
        var run = new RetentionRun(now, rawXml, deliveries, outbox, audit, history, idsAlerts);
        Pruned(logger, run.RawXml, run.Deliveries, run.Outbox, run.Audit, run.IngestionHistory, run.IdsAlerts);
        return run;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed {RawXml} raw reports, {Deliveries} deliveries, {Outbox} outbox messages, {Audit} audit entries, {History} ingestion history entries, {IdsAlerts} IDS alerts")]
    private static partial void Pruned(ILogger logger, int rawXml, int deliveries, int outbox, int audit, int history, int idsAlerts);
}

internal static class RetentionSetup
{
    public static WebApplicationBuilder AddRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName)
            .Validate(o => new[] { o.RawXml, o.Deliveries, o.Outbox, o.Audit, o.IngestionHistory, o.Interval }.All(t => t >= TimeSpan.Zero),
                "Retention periods and Retention:Interval must not be negative (zero keeps for ever, or turns the job off).")
            .ValidateOnStart();
        builder.Services.AddScheduledJob<RetentionJob>();
        return builder;
    }
}
