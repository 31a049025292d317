using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.AppHost;

/// <summary>
/// Starts a service again when it exits with a failure (a crash, a SIGKILL) while the AppHost runs, after 1 s, then
/// 2 s, 4 s ... at most 30 s for repeated crashes; an orderly exit (code 0, e.g. Stop in the dashboard) stays stopped.
/// </summary>
internal sealed partial class CrashRestarts(
    CrashRestarts.Services services,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ILogger<CrashRestarts> logger) : BackgroundService
{
    internal sealed record Services(IReadOnlySet<string> Names);

    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Forgiven = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var crashes = new Dictionary<string, (int Count, DateTimeOffset Last)>();
        var lastState = new Dictionary<string, string?>();
        try
        {
            await foreach (var e in notifications.WatchAsync(stoppingToken))
            {
                var state = e.Snapshot.State?.Text;
                lastState.TryGetValue(e.ResourceId, out var previous);
                lastState[e.ResourceId] = state;
                // A process killed by a signal is reported Finished, one that exited with a failure code Exited.
                var ended = state == KnownResourceStates.Exited || state == KnownResourceStates.Finished;
                var endedBefore = previous == KnownResourceStates.Exited || previous == KnownResourceStates.Finished;
                if (!services.Names.Contains(e.Resource.Name) || !ended || endedBefore || e.Snapshot.ExitCode is null or 0)
                {
                    continue;
                }

                var now = DateTimeOffset.UtcNow;
                var count = crashes.TryGetValue(e.ResourceId, out var c) && now - c.Last < Forgiven ? c.Count + 1 : 1;
                crashes[e.ResourceId] = (count, now);
                var delay = TimeSpan.FromSeconds(Math.Min(MaxDelay.TotalSeconds, Math.Pow(2, count - 1)));
                LogRestarting(logger, e.ResourceId, e.Snapshot.ExitCode.Value, delay.TotalSeconds);
                _ = RestartAsync(e.ResourceId, delay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RestartAsync(string resourceId, TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken);
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
            if (!result.Success)
            {
                LogRestartFailed(logger, resourceId, result.Message ?? "unknown");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Resource} exited unexpectedly with code {ExitCode}; starting it again in {Seconds} s")]
    private static partial void LogRestarting(ILogger logger, string resource, int exitCode, double seconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Resource} could not be started again: {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string reason);
}
