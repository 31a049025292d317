using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Grains.Runtime;

internal static partial class GrainRuntimeLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Silo {SiloId} started: {Partitions} partitions, grain types {GrainTypes}")]
    public static partial void SiloStarted(ILogger logger, string siloId, int partitions, string grainTypes);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Silo {SiloId} stopped")]
    public static partial void SiloStopped(ILogger logger, string siloId);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Silo {SiloId} has no grain handlers registered: it will own partitions but apply nothing")]
    public static partial void NoHandlers(ILogger logger, string siloId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Grains:Partitions is {Configured} but the database holds {Stored}; using {Stored}")]
    public static partial void PartitionCountDiffers(ILogger logger, int configured, int stored);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Silo {SiloId} cannot read the partition count yet; retrying in {Delay}")]
    public static partial void StartDelayed(ILogger logger, string siloId, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "Silo {SiloId} acquired {Count} partitions (now owns {Owned}, target {Target}, {LiveSilos} live silos)")]
    public static partial void Acquired(ILogger logger, string siloId, int count, int owned, int target, int liveSilos);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information, Message = "Silo {SiloId} released {Count} partitions (now owns {Owned}, target {Target}, {LiveSilos} live silos)")]
    public static partial void Released(ILogger logger, string siloId, int count, int owned, int target, int liveSilos);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "Silo {SiloId} lost its lease session; dropping its {Owned} partitions")]
    public static partial void LeaseLost(ILogger logger, string siloId, int owned, Exception exception);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Warning, Message = "Silo {SiloId} could not look for pending inbox events")]
    public static partial void PollFailed(ILogger logger, string siloId, Exception exception);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Warning, Message = "Silo {SiloId} lost its inbox notifications; polling until they are back")]
    public static partial void ListenFailed(ILogger logger, string siloId, Exception exception);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Debug, Message = "Partition {Partition}: a grain state changed since it was read; retrying the batch")]
    public static partial void VersionConflict(ILogger logger, int partition);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "Partition {Partition}: batch failed (attempt {Attempt}); retrying in {Delay}")]
    public static partial void BatchFailed(ILogger logger, int partition, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Error, Message = "Partition {Partition}: handler for {GrainType} threw on grain {GrainKey}; the batch is retried and the partition waits until it succeeds")]
    public static partial void HandlerFailed(ILogger logger, int partition, string grainType, string grainKey, Exception exception);
}
