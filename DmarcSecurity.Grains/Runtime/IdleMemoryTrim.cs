using System.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// Gives memory back once a burst is over. A drain over many new sources leaves a heap full of grains that Orleans
/// collects once they have been idle for <see cref="GrainRuntimeOptions.IdleEviction"/>; but an idle silo allocates too
/// little for the GC to run a full collection, so the process would keep its peak size until the next burst. Once the
/// silo has applied nothing for long enough that every grain of the burst was collected, and the GC holds far more
/// than the heap had after the previous trim, one compacting full collection returns the free memory to the system.
/// </summary>
internal sealed partial class IdleMemoryTrim(GrainTelemetry telemetry, IOptions<GrainRuntimeOptions> options, TimeProvider clock, ILogger<IdleMemoryTrim> logger)
    : BackgroundService
{
    /// <summary>Committed memory this far above the heap after the last trim is worth a collection.</summary>
    private const long Slack = 64L * 1024 * 1024;

    private static readonly TimeSpan s_check = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runtime = options.Value;
        if (!runtime.TrimMemoryWhenIdle)
        {
            return;
        }

        // Idle grains are collected at the first collection pass after they reach the eviction age.
        var idleEnough = runtime.IdleEviction + GrainRuntimeHosting.CollectionQuantum(runtime.IdleEviction) + s_check;
        var applied = telemetry.TotalEventsApplied;
        var idleSince = clock.GetUtcNow();
        var trimmed = false;
        var heapAfterTrim = GC.GetGCMemoryInfo().HeapSizeBytes;
        using var timer = new PeriodicTimer(s_check, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (telemetry.TotalEventsApplied != applied)
                {
                    applied = telemetry.TotalEventsApplied;
                    idleSince = clock.GetUtcNow();
                    trimmed = false;
                    continue;
                }

                var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
                if (trimmed || clock.GetUtcNow() - idleSince < idleEnough || committed < heapAfterTrim + Slack)
                {
                    continue;
                }

                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                var info = GC.GetGCMemoryInfo();
                heapAfterTrim = info.HeapSizeBytes;
                trimmed = true;
                Trimmed(logger, committed >> 20, info.TotalCommittedBytes >> 20);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo idle: memory trimmed, GC committed {BeforeMb} MB -> {AfterMb} MB")]
    private static partial void Trimmed(ILogger logger, long beforeMb, long afterMb);
}
