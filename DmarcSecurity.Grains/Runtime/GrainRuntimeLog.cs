using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Grains.Runtime;

internal static partial class GrainRuntimeLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Silo {Silo} keeps {Partitions} partitions active; grain types {GrainTypes}")]
    public static partial void KeeperStarted(ILogger logger, string silo, int partitions, string grainTypes);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "The silo cannot read the partition count yet; retrying in {Delay}")]
    public static partial void StartDelayed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Keeping the partition grains active failed for {Failed} of {Partitions}")]
    public static partial void KeepAliveFailed(ILogger logger, int failed, int partitions, Exception exception);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "Partition {Partition} active on {Silo}")]
    public static partial void PartitionActivated(ILogger logger, int partition, string silo);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information, Message = "Partition {Partition} belongs on {Owner} now; leaving {Silo}")]
    public static partial void PartitionMoving(ILogger logger, int partition, string owner, string silo);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Warning, Message = "Inbox notifications lost; polling until they are back")]
    public static partial void ListenFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Debug, Message = "{Failed} of {Writes} grain writes conflicted; their grains reload and the rest commit")]
    public static partial void WritesConflicted(ILogger logger, int failed, int writes, Exception exception);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "Partition {Partition}: {Failed} of {Grains} grains did not apply their events; offered again in {Delay}")]
    public static partial void PumpFailed(ILogger logger, int partition, int failed, int grains, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 6026, Level = LogLevel.Warning, Message = "Partition {Partition}: reading its events failed; trying again in {Delay}")]
    public static partial void ReadFailed(ILogger logger, int partition, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Error, Message = "Handler for {GrainType} threw on grain {GrainKey}; its {Events} events are dead-lettered")]
    public static partial void HandlerFailed(ILogger logger, string grainType, string grainKey, int events, Exception exception);

    [LoggerMessage(EventId = 6023, Level = LogLevel.Warning, Message = "A group commit of {Writes} grain writes failed; the grains reload and their events are offered again")]
    public static partial void CommitFailed(ILogger logger, int writes, Exception exception);

    [LoggerMessage(EventId = 6024, Level = LogLevel.Warning, Message = "Partition {Partition}: the due scan failed")]
    public static partial void DueScanFailed(ILogger logger, int partition, Exception exception);

    [LoggerMessage(EventId = 6025, Level = LogLevel.Error, Message = "Tick of {GrainType} grain {GrainKey} threw; it ticks again at its next interval")]
    public static partial void TickFailed(ILogger logger, string grainType, string grainKey, Exception exception);
}
