using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// Keeps every partition grain active somewhere in the cluster: each silo pings all P partitions every
/// <see cref="GrainRuntimeOptions.KeepAliveInterval"/>, which activates those whose silo died where placement puts them
/// now. One reminder per partition would do the same through the reminder table, but a reminder fires at most once a
/// minute, and failover should take about as long as Orleans takes to declare the silo dead. On PostgreSQL it also
/// LISTENs for ingestion's notifications and wakes the partitions that were filled.
/// </summary>
internal sealed class PartitionKeeper(
    IGrainFactory grains,
    DatabaseConnections connections,
    GrainPartitions partitions,
    IEnumerable<IGrainHandler> handlers,
    ILocalSiloDetails silo,
    IOptions<GrainRuntimeOptions> options,
    TimeProvider clock,
    ILogger<PartitionKeeper> logger) : BackgroundService
{
    /// <summary>Well past a ping's own 3 s response timeout.</summary>
    private static readonly TimeSpan s_unanswered = TimeSpan.FromSeconds(15);

    private readonly string[] _grainTypes = DistinctTypes(handlers);

    /// <summary>P, once read from the database (0 before).</summary>
    public int PartitionCount { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            PartitionCount = await ReadPartitionCountAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        GrainRuntimeLog.KeeperStarted(logger, silo.SiloAddress.ToString(), PartitionCount, string.Join(", ", _grainTypes));
        var listen = connections.Provider == DatabaseProvider.PostgreSql
            ? InboxListener.RunAsync(connections, Wake, e => GrainRuntimeLog.ListenFailed(logger, e), clock, stoppingToken)
            : Task.CompletedTask;
        var partitionGrains = Enumerable.Range(0, PartitionCount).Select(p => grains.GetGrain<IPartitionGrain>(p)).ToArray();
        var pings = new Task?[PartitionCount];
        var sent = new DateTimeOffset[PartitionCount];
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // A ping still unanswered (its partition was on a silo that just died, and Orleans has not declared
                // it dead yet) is not sent again, and holds up no other partition's; one unanswered for far longer
                // than its timeout is given up, so no partition can be left without pings.
                var failed = 0;
                Exception? error = null;
                var now = clock.GetUtcNow();
                for (var p = 0; p < pings.Length; p++)
                {
                    if (pings[p] is { IsCompleted: false } && now - sent[p] < s_unanswered)
                    {
                        continue;
                    }

                    if (pings[p] is { IsFaulted: true } faulted)
                    {
                        failed++;
                        error ??= faulted.Exception?.InnerException;
                    }

                    try
                    {
                        pings[p] = partitionGrains[p].PingAsync();
                    }
                    catch (Exception e)
                    {
                        pings[p] = Task.FromException(e);
                    }

                    sent[p] = now;
                }

                if (error is not null)
                {
                    GrainRuntimeLog.KeepAliveFailed(logger, failed, PartitionCount, error);
                }

                await Task.Delay(options.Value.KeepAliveInterval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await listen;
        }
    }

    internal static string[] DistinctTypes(IEnumerable<IGrainHandler> handlers)
    {
        var types = handlers.Select(h => h.GrainType).ToList();
        return types.GroupBy(t => t, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice
            ? throw new InvalidOperationException($"Two grain handlers are registered for grain type '{twice.Key}'.")
            : [.. types];
    }

    private void Wake(int partition)
    {
        if (partition >= 0 && partition < PartitionCount)
        {
            // One-way: the listener never waits for a pump.
            _ = grains.GetGrain<IPartitionGrain>(partition).WakeAsync();
        }
    }

    private async Task<int> ReadPartitionCountAsync(CancellationToken token)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await connections.OpenAsync(token);
                return await partitions.GetAsync(connection, null, token);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                // The database may not be up, or not migrated yet, when the silo starts before the Api.
                var delay = TimeSpan.FromSeconds(Math.Min(30, attempt * 2));
                GrainRuntimeLog.StartDelayed(logger, delay, e);
                await Task.Delay(delay, clock, token);
            }
        }
    }
}
