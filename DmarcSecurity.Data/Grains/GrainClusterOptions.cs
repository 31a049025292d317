using System.ComponentModel.DataAnnotations;

namespace DmarcSecurity.Data.Grains;

/// <summary>Grain settings that inbox writers and silos must agree on (section <c>Grains</c>).
/// The silo's own settings extend these.</summary>
public class GrainClusterOptions
{
    public const string SectionName = "Grains";

    /// <summary>Partition count proposed when the database has none yet. The first writer or silo stores it in
    /// grain_partitioning; from then on the stored value is used everywhere and this setting is ignored.</summary>
    [Range(1, 4096, ErrorMessage = "Grains:Partitions must be between 1 and 4096.")]
    public int Partitions { get; set; } = 64;
}
