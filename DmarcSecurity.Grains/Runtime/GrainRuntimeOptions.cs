using System.ComponentModel.DataAnnotations;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>Settings of the silo, section <c>Grains</c>. Partitions and MemberExpiry come from
/// <see cref="GrainClusterOptions"/>, which the inbox writers and the status query read from the same section.</summary>
public sealed class GrainRuntimeOptions : GrainClusterOptions, IValidatableObject
{
    /// <summary>Most inbox events one transaction consumes from one partition.</summary>
    [Range(1, 10_000, ErrorMessage = "Grains:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 1000;

    /// <summary>Batch transactions a silo runs at once over all its partitions (one on SQLite, which has one writer).</summary>
    [Range(1, 64, ErrorMessage = "Grains:MaxConcurrentBatches must be between 1 and 64.")]
    public int MaxConcurrentBatches { get; set; } = 4;

    /// <summary>How often a silo writes its heartbeat and rebalances partitions.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Grains:HeartbeatInterval must be between 50 ms and 1 minute.")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a silo looks for new inbox rows in partitions whose workers are waiting.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Grains:PollInterval must be between 10 ms and 1 minute.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A grain that has handled no event for this long is dropped from memory (its state stays stored).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Grains:IdleEviction must be between 1 second and 7 days.")]
    public TimeSpan IdleEviction { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>PostgreSQL ends a lease session that has been silent this long (idle_session_timeout), releasing its
    /// partitions: the bound on takeover when a silo's host vanishes without closing its connection.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Grains:LeaseTimeout must be between 1 second and 10 minutes.")]
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MemberExpiry < HeartbeatInterval * 2)
        {
            yield return new ValidationResult("Grains:MemberExpiry must be at least twice Grains:HeartbeatInterval.", [nameof(MemberExpiry)]);
        }

        if (LeaseTimeout < HeartbeatInterval * 3)
        {
            yield return new ValidationResult("Grains:LeaseTimeout must be at least three times Grains:HeartbeatInterval.", [nameof(LeaseTimeout)]);
        }
    }
}
