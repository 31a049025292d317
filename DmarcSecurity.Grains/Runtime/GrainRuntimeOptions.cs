using System.ComponentModel.DataAnnotations;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>Settings of the silo's grain runtime, section <c>Grains</c>. Partitions comes from
/// <see cref="GrainClusterOptions"/>, which the inbox writers read from the same section. Cluster settings (ids,
/// clustering, ports) are in the <c>Orleans</c> section.</summary>
public sealed class GrainRuntimeOptions : GrainClusterOptions
{
    /// <summary>Most inbox events a partition grain reads and has applied at once.</summary>
    [Range(1, 10_000, ErrorMessage = "Grains:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 1000;

    /// <summary>How often an active partition grain looks for inbox events nobody told it about (on PostgreSQL a
    /// notification wakes it the moment ingestion commits; on SQLite this is the lag).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Grains:PollInterval must be between 10 ms and 1 minute.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often every silo makes sure each partition grain is active somewhere in the cluster (a dead silo's
    /// partitions come back this long after Orleans declares it dead).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Grains:KeepAliveInterval must be between 50 ms and 1 minute.")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a partition grain looks for stored grains whose periodic work is due though they are not in
    /// memory (each grain type's tick interval decides which are due).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00", ErrorMessage = "Grains:DueScanInterval must be between 100 ms and 1 day.")]
    public TimeSpan DueScanInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A grain that has handled nothing for this long is deactivated by Orleans (its state stays stored).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Grains:IdleEviction must be between 1 second and 7 days.")]
    public TimeSpan IdleEviction { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Once the silo has applied nothing for long enough that Orleans collected every idle grain (about
    /// <see cref="IdleEviction"/>), give the memory they held back to the system with one full, compacting collection.</summary>
    public bool TrimMemoryWhenIdle { get; set; } = true;

    /// <summary>Group-commit transactions a silo runs at once (one on SQLite, which has one writer).</summary>
    [Range(1, 64, ErrorMessage = "Grains:MaxConcurrentCommits must be between 1 and 64.")]
    public int MaxConcurrentCommits { get; set; } = 4;

    /// <summary>Most grain writes one group-commit transaction carries; the writes a partition hands in together are never split across two.</summary>
    [Range(1, 100_000, ErrorMessage = "Grains:MaxWritesPerCommit must be between 1 and 100000.")]
    public int MaxWritesPerCommit { get; set; } = 4000;

    /// <summary>A trace span for every grain call (Orleans' activity propagation), beside Orleans' runtime activities
    /// and meters, which are always exported.</summary>
    public bool TraceGrainCalls { get; set; }

    /// <summary>Orleans membership: how long a silo waits for a probe answer before counting it missed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Grains:ProbeTimeout must be between 100 ms and 1 minute.")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Orleans membership: missed probes after which a silo suspects another and votes it dead.</summary>
    [Range(1, 10, ErrorMessage = "Grains:MissedProbesLimit must be between 1 and 10.")]
    public int MissedProbesLimit { get; set; } = 2;
}
