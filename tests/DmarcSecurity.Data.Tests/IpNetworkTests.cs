namespace DmarcSecurity.Data.Tests;

public sealed class IpNetworkTests
{
    [Theory]
    [InlineData("10.1.2.3/8", "10.0.0.0", 8)]
    [InlineData(" 192.0.2.1 ", "192.0.2.1", 32)]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1", 32)]
    [InlineData("2001:db8::1/32", "2001:db8::", 32)]
    [InlineData("2001:db8::1", "2001:db8::1", 128)]
    [InlineData("::ffff:192.0.2.7/120", "192.0.2.0", 24)]
    public void Parse_clears_host_bits(string text, string network, int prefix)
    {
        var parsed = IpNetwork.Parse(text);

        Assert.Equal((IPAddress.Parse(network), prefix), (parsed.Network, parsed.PrefixLength));
    }

    [Fact]
    public void Keys_of_a_block_bound_exactly_its_addresses()
    {
        var block = IpNetwork.Parse("192.0.2.0/24");

        Assert.Equal("00000000000000000000ffffc0000200", block.LowKey);
        Assert.Equal("00000000000000000000ffffc00002ff", block.HighKey);
        Assert.InRange(IpNetwork.Key(IPAddress.Parse("192.0.2.255")), block.LowKey, block.HighKey);
        Assert.True(string.CompareOrdinal(IpNetwork.Key(IPAddress.Parse("192.0.3.0")), block.HighKey) > 0);
        Assert.True(string.CompareOrdinal(IpNetwork.Key(IPAddress.Parse("192.0.2.9")), IpNetwork.Key(IPAddress.Parse("192.0.2.10"))) < 0);
    }

    [Theory]
    [InlineData("::/0", true)]
    [InlineData("::/80", true)]
    [InlineData("::/96", false)]
    [InlineData("2001:db8::/32", false)]
    [InlineData("10.0.0.0/8", false)]
    public void Wide_ipv6_blocks_are_known_to_span_the_ipv4_keys(string text, bool covers)
    {
        Assert.Equal(covers, IpNetwork.Parse(text).CoversIPv4Keys);
    }
}
