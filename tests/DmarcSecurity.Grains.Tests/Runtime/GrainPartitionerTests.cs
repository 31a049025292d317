using System.Text;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>Partitions are stored with every inbox row and computed by processes on other machines and other .NET
/// versions: the hash must never change. Expected values come from an independent FNV-1a implementation.</summary>
public sealed class GrainPartitionerTests
{
    [Theory]
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    public void Fnv1a_matches_the_published_test_vectors(string input, uint expected)
    {
        Assert.Equal(expected, GrainPartitioner.Fnv1a(Encoding.UTF8.GetBytes(input)));
    }

    [Theory]
    [InlineData("domain", "example.com", 2171568034u, 34, 930)]
    [InlineData("source-ip", "192.0.2.1", 2027678459u, 59, 763)]
    [InlineData("source-ip", "2001:db8::1", 1214467004u, 60, 956)]
    [InlineData("domain", "bücher.example", 3421969622u, 22, 214)]
    [InlineData("counter", "key-0", 520965399u, 23, 279)]
    public void Grain_hash_and_partition_are_fixed_values(string type, string key, uint hash, int of64, int of1024)
    {
        Assert.Equal(hash, GrainPartitioner.Hash(type, key));
        Assert.Equal(of64, GrainPartitioner.PartitionOf(type, key, 64));
        Assert.Equal(of1024, GrainPartitioner.PartitionOf(type, key, 1024));
    }

    [Fact]
    public void Long_keys_hash_the_same_as_their_bytes()
    {
        var key = new string('x', 5_000) + "é";

        Assert.Equal(GrainPartitioner.Fnv1a(Encoding.UTF8.GetBytes("domain:" + key)), GrainPartitioner.Hash("domain", key));
    }

    [Fact]
    public void Type_is_part_of_the_identity()
    {
        Assert.NotEqual(GrainPartitioner.Hash("domain", "192.0.2.1"), GrainPartitioner.Hash("source-ip", "192.0.2.1"));
    }

    [Fact]
    public void Keys_spread_evenly_over_the_partitions()
    {
        var counts = new int[64];
        for (var i = 0; i < 64_000; i++)
        {
            counts[GrainPartitioner.PartitionOf("source-ip", $"10.{i / 65536}.{i / 256 % 256}.{i % 256}", 64)]++;
        }

        // 1,000 expected per partition; a fair hash stays well within +-20 %.
        Assert.All(counts, c => Assert.InRange(c, 800, 1_200));
    }
}
