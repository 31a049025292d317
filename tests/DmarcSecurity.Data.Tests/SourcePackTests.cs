using System.Net;

namespace DmarcSecurity.Data.Tests;

/// <summary>A pack gives back every row it was made of, exactly, in address order.</summary>
public sealed class SourcePackTests
{
    [Fact]
    public void A_pack_reads_back_every_entry_with_its_domain_address_and_figures()
    {
        PackEntry[] entries =
        [
            new("a.example", SourceAddress.Of(IPAddress.Parse("192.0.2.1")), 300, 30, 3),
            new("b.example", SourceAddress.Of(IPAddress.Parse("192.0.2.1")), 0.25, 1 / 3.0, 0),
            new("a.example", SourceAddress.Of(IPAddress.Parse("2001:db8::1")), 9_007_199_254_740_992, 1e300, 0),
            new("ä.example", SourceAddress.Of(IPAddress.Parse("::ffff:198.51.100.7")), 4_000_000_000, 0, 0),
            new("a.example", SourceAddress.Of(IPAddress.Parse("255.255.255.255")), 1, 1, 1),
        ];

        var pack = SourcePack.Encode(entries);

        var reader = new SourcePack.Reader(pack);
        var read = new List<PackEntry>();
        while (reader.Read(out var address, out var domain, out var messages, out var failing, out var forwarded))
        {
            read.Add(new PackEntry(reader.Domains[domain], address, messages, failing, forwarded));
        }

        // In address order, IPv4 first; one address's entries in domain order.
        Assert.Equal([entries[0], entries[1], entries[4], entries[3], entries[2]], read);
        Assert.Equal(["192.0.2.1", "192.0.2.1", "255.255.255.255", "::ffff:198.51.100.7", "2001:db8::1"], read.Select(e => e.Address.ToString()));
        // Whole figures take a byte or a few each: a typical entry is about 10 bytes.
        Assert.True(SourcePack.Encode([entries[0]]).Length < 30);
    }

    [Fact]
    public void Addresses_order_as_PostgreSQL_orders_inet_hosts_IPv4_first()
    {
        var addresses = new[] { "2001:db8::1", "10.0.0.2", "::1", "9.255.255.255", "10.0.0.10" }.Select(a => SourceAddress.Of(IPAddress.Parse(a))).Order();
        Assert.Equal(["9.255.255.255", "10.0.0.2", "10.0.0.10", "::1", "2001:db8::1"], addresses.Select(a => a.ToString()));
    }

    [Fact]
    public void Something_that_is_not_a_pack_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => new SourcePack.Reader([2, 0, 0]));
        Assert.Throws<InvalidDataException>(() => new SourcePack.Reader([]));
    }
}
