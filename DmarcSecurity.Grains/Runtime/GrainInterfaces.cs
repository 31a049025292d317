namespace DmarcSecurity.Grains.Runtime;

/// <summary>A grain fed by the inbox. Its Orleans grain type is its inbox grain type ("domain", "source-ip"), so a
/// partition reaches any of them as <c>GetGrain&lt;IInboxGrain&gt;(GrainId.Create(type, key))</c>.</summary>
public interface IInboxGrain : IGrainWithStringKey
{
    /// <summary>Applies the grain's next inbox events (in id order) and returns once its new state, its outputs and the
    /// deletion of the events have committed, together. Events its behaviour cannot apply are dead-lettered in the
    /// same way. Throws when the write was refused (the events were applied elsewhere, or the stored state moved on):
    /// the grain has reloaded, and the partition offers what is left again.</summary>
    Task ApplyAsync(InboxBatch batch);

    /// <summary>Runs the grain's periodic work if it is due (a grain timer calls it while the grain is active; the
    /// partition's due scan calls it for grains that are not).</summary>
    Task TickAsync();
}

/// <summary>One domain's DMARC picture, keyed by the domain (lower-case).</summary>
public interface IDomainGrain : IInboxGrain;

/// <summary>One source IP's evidence, threat score and decision, keyed by the canonical address.</summary>
public interface ISourceIpGrain : IInboxGrain;

/// <summary>One inbox partition, keyed by its number: hands its events to their grains in order.</summary>
public interface IPartitionGrain : IGrainWithIntegerKey
{
    /// <summary>Ingestion committed events to this partition: look now rather than at the next poll.</summary>
    [OneWay]
    Task WakeAsync();

    /// <summary>Activates the partition if it is not (every silo calls it for every partition, so a dead silo's
    /// partitions come back on the living ones), and moves it if another silo should hold it now. A ping to a silo that
    /// died gives up after a few seconds, not Orleans' default 30, so the next round can place the partition again.</summary>
    [AlwaysInterleave]
    [ResponseTimeout("00:00:03")]
    Task PingAsync();
}
