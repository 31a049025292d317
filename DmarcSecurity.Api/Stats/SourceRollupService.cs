using DmarcSecurity.Data.Stats;

namespace DmarcSecurity.Api.Stats;

/// <summary>Keeps the views' rollups up to date: rolls up the reports ingestion queued once this process has stored no
/// new report for <see cref="Settle"/> (reports come in bursts: a burst is stored at full speed, then rolled up in large
/// batches), at the latest <see cref="MaxDelay"/> after the first, and at least every <see cref="Idle"/> (for reports
/// another process stored, and those the schema script that introduced the rollups queued), and then packs the days and
/// months it changed (<see cref="ISourceRollups.PackAsync"/>). The views are exact whether or not it has run: they add
/// the records of the reports still queued, and read the rows of the days and months not packed.</summary>
internal sealed partial class SourceRollupService(ISourceRollups rollups, ILogger<SourceRollupService> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Queued reports first; the days and months they changed are packed between roll-ups.
                var (reports, packed) = (0, 0);
                while (true)
                {
                    var rolled = await rollups.RollUpAsync(stoppingToken);
                    reports += rolled;
                    if (rolled == 0)
                    {
                        var packing = await rollups.PackAsync(stoppingToken);
                        if (packing == 0)
                        {
                            break;
                        }

                        packed += packing;
                    }
                }

                if (reports > 0 || packed > 0)
                {
                    LogRolledUp(logger, reports, packed);
                }

                if (await rollups.WaitForReportsAsync(Idle, stoppingToken))
                {
                    var first = DateTime.UtcNow;
                    while (DateTime.UtcNow - first < MaxDelay && await rollups.WaitForReportsAsync(Settle, stoppingToken))
                    {
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The queue keeps the reports: the next attempt rolls them up.
                LogFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 9301, Level = LogLevel.Debug, Message = "Rolled up {Reports} reports into the views' daily and monthly figures and packed {Packed} days and months")]
    private static partial void LogRolledUp(ILogger logger, int reports, int packed);

    [LoggerMessage(EventId = 9302, Level = LogLevel.Warning, Message = "Rolling up stored reports failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
