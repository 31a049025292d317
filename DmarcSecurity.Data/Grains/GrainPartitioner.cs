using System.Buffers;
using System.Text;

namespace DmarcSecurity.Data.Grains;

/// <summary>Maps a grain to its partition: FNV-1a (32 bit) over the UTF-8 bytes of "type:key", modulo P. Stable
/// across processes, machines and .NET versions (unlike string.GetHashCode), because writers and silos on different
/// hosts must agree on it for as long as the data lives.</summary>
public static class GrainPartitioner
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;
    private const int StackLimit = 512;

    public static int PartitionOf(string grainType, string grainKey, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (int)(Hash(grainType, grainKey) % (uint)partitions);
    }

    public static uint Hash(string grainType, string grainKey)
    {
        ArgumentNullException.ThrowIfNull(grainType);
        ArgumentNullException.ThrowIfNull(grainKey);
        var max = Encoding.UTF8.GetMaxByteCount(grainType.Length + 1 + grainKey.Length);
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(grainType, buffer);
            buffer[length++] = (byte)':';
            length += Encoding.UTF8.GetBytes(grainKey, buffer[length..]);
            return Fnv1a(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public static uint Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = OffsetBasis;
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * Prime);
        }

        return hash;
    }
}
