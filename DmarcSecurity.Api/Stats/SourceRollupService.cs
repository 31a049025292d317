using DmarcSecurity.Data.Stats;

namespace DmarcSecurity.Api.Stats;

/// <summary>Keeps the views' rollups up to date: rolls up the reports ingestion queued, as soon as this process stored
/// some and at least every <see cref="Idle"/> (for reports stored by another process, and for those queued by the
/// schema script that introduced the rollups). The views are exact whether or not it has run.</summary>
internal sealed partial class SourceRollupService(ISourceRollups rollups, ILogger<SourceRollupService> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var reports = 0;
                for (int rolled; (rolled = await rollups.RollUpAsync(stoppingToken)) > 0;)
                {
                    reports += rolled;
                }

                if (reports > 0)
                {
                    LogRolledUp(logger, reports);
                }

                await rollups.WaitForReportsAsync(Idle, stoppingToken);
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

    [LoggerMessage(EventId = 9301, Level = LogLevel.Debug, Message = "Rolled up {Reports} reports into the views' daily and monthly figures")]
    private static partial void LogRolledUp(ILogger logger, int reports);

    [LoggerMessage(EventId = 9302, Level = LogLevel.Warning, Message = "Rolling up stored reports failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
