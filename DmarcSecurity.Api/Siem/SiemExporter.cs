using System.Net.Sockets;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Siem;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Siem;

/// <summary>What one pass sent to one target.</summary>
public sealed record SiemExportRun(string Target, int Alerts, int Decisions, string? Error);

/// <summary>
/// Sends every alert and decision to each configured SIEM target once (at least once: a batch that fails is sent again
/// at the next pass; a target marks what it was sent only after the send). A target's first pass reaches back
/// <see cref="SiemOptions.Lookback"/>. Targets are independent: one that is down holds back nothing for the others.
/// </summary>
public sealed partial class SiemExporter(
    IDbContextFactory<DmarcDbContext> contexts, IHttpClientFactory http, IOptionsMonitor<SiemOptions> options, TimeProvider clock,
    ILogger<SiemExporter> logger) : ScheduledJob(contexts, clock, logger)
{
    private const int Batch = 500;

    public override string Name => "siem-export";

    public override string Description => "Sends new alerts and decisions to the SIEM targets (syslog, Splunk HEC).";

    /// <summary>Off while no target is configured.</summary>
    public override TimeSpan Interval => options.CurrentValue.Targets.Count > 0 ? options.CurrentValue.PollInterval : TimeSpan.Zero;

    protected override async Task<string> RunOnceAsync(CancellationToken cancellationToken)
    {
        var runs = await RunAsync(cancellationToken);
        var failed = runs.Where(r => r.Error is not null).ToList();
        var text = string.Join("; ", runs.Select(r => $"{r.Target}: {r.Alerts} alert(s), {r.Decisions} decision(s){(r.Error is null ? "" : " (failed)")}"));
        return failed.Count == 0 ? text : throw new InvalidOperationException($"{failed.Count} target(s) did not take the export: {text}");
    }

    /// <summary>One pass over every target; a target that fails is reported, not thrown.</summary>
    public async Task<IReadOnlyList<SiemExportRun>> RunAsync(CancellationToken cancellationToken)
    {
        var runs = new List<SiemExportRun>();
        foreach (var (name, target) in options.CurrentValue.Targets)
        {
            runs.Add(await ExportAsync(name, target, cancellationToken));
        }

        return runs;
    }

    private async Task<SiemExportRun> ExportAsync(string name, SiemTargetOptions target, CancellationToken cancellationToken)
    {
        var since = Clock.GetUtcNow() - options.CurrentValue.Lookback;
        await using var db = await Contexts.CreateDbContextAsync(cancellationToken);
        // An item was sent at or after its own time: marks older than the window belong to items it no longer reads.
        await db.SiemExports.Where(e => e.Target == name && e.ExportedAt < since).ExecuteDeleteAsync(cancellationToken);
        var sent = (await db.SiemExports.Where(e => e.Target == name)
                .Select(e => e.Kind + ":" + e.Item).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var alerts = (await db.Alerts.Where(a => a.FirstSeenAt >= since).OrderBy(a => a.FirstSeenAt).ThenBy(a => a.Id).ToListAsync(cancellationToken))
            .Select(SiemEvent.From);
        var decisions = (await db.Decisions.Where(d => d.IssuedAt >= since).OrderBy(d => d.IssuedAt).ThenBy(d => d.Id).ToListAsync(cancellationToken))
            .Select(SiemEvent.From);
        var pending = alerts.Concat(decisions).Where(e => !sent.Contains(e.Kind + ":" + e.Item)).OrderBy(e => e.At).ToList();
        int alertCount = 0, decisionCount = 0;
        try
        {
            foreach (var batch in pending.Chunk(Batch))
            {
                await SiemSenders.SendAsync(target, batch, http, cancellationToken);
                var now = Clock.GetUtcNow();
                db.SiemExports.AddRange(batch.Select(e => new SiemExportEntity { Target = name, Kind = e.Kind, Item = e.Item, ExportedAt = now }));
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                alertCount += batch.Count(e => e.Kind == "alert");
                decisionCount += batch.Count(e => e.Kind == "decision");
            }

            return new SiemExportRun(name, alertCount, decisionCount, null);
        }
        catch (Exception e) when (e is IOException or SocketException or HttpRequestException or System.Security.Authentication.AuthenticationException or TaskCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            TargetFailed(logger, name, e.Message);
            return new SiemExportRun(name, alertCount, decisionCount, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIEM target {Target} did not take the export; it is sent again at the next pass: {Problem}")]
    private static partial void TargetFailed(ILogger logger, string target, string problem);
}

internal static class SiemSetup
{
    public static WebApplicationBuilder AddSiemExport(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SiemOptions>().BindConfiguration(SiemOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SiemOptions>, SiemOptionsValidator>();
        builder.Services.AddHttpClient(SiemSenders.HttpClientName);
        builder.Services.AddScheduledJob<SiemExporter>();
        return builder;
    }

    /// <summary>Names every wrong setting, not only the first.</summary>
    private sealed class SiemOptionsValidator : IValidateOptions<SiemOptions>
    {
        public ValidateOptionsResult Validate(string? name, SiemOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
