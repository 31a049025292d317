using System.Net.Sockets;
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
    ILogger<SiemExporter> logger) : BackgroundService
{
    private const int Batch = 500;
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<IReadOnlyList<SiemExportRun>> RunAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            var runs = new List<SiemExportRun>();
            foreach (var (name, target) in options.CurrentValue.Targets)
            {
                runs.Add(await ExportAsync(name, target, cancellationToken));
            }

            return runs;
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<SiemExportRun> ExportAsync(string name, SiemTargetOptions target, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow() - options.CurrentValue.Lookback;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
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
                var now = clock.GetUtcNow();
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CurrentValue.PollInterval, clock, stoppingToken);
                if (options.CurrentValue.Targets.Count > 0)
                {
                    await RunAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Failed(logger, e);
            }
        }
    }

    public override void Dispose()
    {
        _one.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIEM target {Target} did not take the export; it is sent again at the next pass: {Problem}")]
    private static partial void TargetFailed(ILogger logger, string target, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIEM export failed; it runs again at the next interval")]
    private static partial void Failed(ILogger logger, Exception error);
}

internal static class SiemSetup
{
    public static WebApplicationBuilder AddSiemExport(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SiemOptions>().BindConfiguration(SiemOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SiemOptions>, SiemOptionsValidator>();
        builder.Services.AddHttpClient(SiemSenders.HttpClientName);
        builder.Services.AddSingleton<SiemExporter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SiemExporter>());
        return builder;
    }

    /// <summary>Names every wrong setting, not only the first.</summary>
    private sealed class SiemOptionsValidator : IValidateOptions<SiemOptions>
    {
        public ValidateOptionsResult Validate(string? name, SiemOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
