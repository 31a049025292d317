using System.ComponentModel.DataAnnotations;

namespace DmarcSecurity.Data.Grains;

/// <summary>Grain settings that inbox writers, silos and the status query must agree on (section <c>Grains</c>).
/// The silo's own settings extend these.</summary>
public class GrainClusterOptions
{
    public const string SectionName = "Grains";

    /// <summary>Partition count proposed when the database has none yet. The first writer or silo stores it in
    /// grain_partitioning; from then on the stored value is used everywhere and this setting is ignored.</summary>
    [Range(1, 4096, ErrorMessage = "Grains:Partitions must be between 1 and 4096.")]
    public int Partitions { get; set; } = 64;

    /// <summary>A silo whose heartbeat is older than this is no longer counted as alive, and its row is deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Grains:MemberExpiry must be between 1 second and 10 minutes.")]
    public TimeSpan MemberExpiry { get; set; } = TimeSpan.FromSeconds(10);
}
