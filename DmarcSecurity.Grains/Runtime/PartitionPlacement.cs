using System.Text;
using DmarcSecurity.Data.Grains;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>Places partition grains by rendezvous hashing over the compatible silos: each partition goes to the silo
/// with the highest hash of (silo, partition), so the partitions spread evenly and a joining or leaving silo moves only
/// its share of them.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class PartitionPlacement : PlacementStrategy
{
    internal static readonly PartitionPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PartitionPlacementAttribute() : PlacementAttribute(PartitionPlacement.Instance);

internal sealed class PartitionPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var partition = (int)target.GrainIdentity.GetIntegerKey();
        return Task.FromResult(Owner(partition, context.GetCompatibleSilos(target))!);
    }

    public static SiloAddress? Owner(int partition, IEnumerable<SiloAddress> silos) =>
        silos.MaxBy(s => Mix(GrainPartitioner.Fnv1a(Encoding.UTF8.GetBytes($"{s.ToParsableString()}/{partition}"))));

    // MurmurHash3's finaliser: names that differ only in their last characters still get unrelated weights.
    private static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6B;
        h ^= h >> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >> 16);
    }
}
