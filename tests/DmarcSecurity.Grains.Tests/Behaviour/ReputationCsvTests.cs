using System.Net;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Tests.Behaviour;

public class ReputationCsvTests
{
    [Fact]
    public void Reads_networks_scores_and_sources_skipping_header_comments_and_blank_lines()
    {
        const string csv = "network,score,source\r\n# exported 2025-03-01\r\n\r\n192.0.2.0/24,0.9,spamhaus-drop\r\n2001:db8::/32,0.25,\"abuse feed, v2\"\r\n203.0.113.7,1,manual\r\n";

        var result = ReputationCsv.Parse(csv);

        Assert.Empty(result.Errors);
        Assert.Equal(
            [("192.0.2.0/24", 0.9, "spamhaus-drop"), ("2001:db8::/32", 0.25, "abuse feed, v2"), ("203.0.113.7/32", 1.0, "manual")],
            result.Entries.Select(e => (e.Network.ToString(), e.Score, e.Source)));
    }

    [Fact]
    public void Bad_lines_are_reported_with_their_number_and_the_rest_still_loads()
    {
        const string csv = """
            192.0.2.0/24,0.9,feed
            not-an-ip,0.5,feed
            198.51.100.0/33,0.5,feed
            198.51.100.0/24,high,feed
            198.51.100.0/24,1.5,feed
            198.51.100.0/24,NaN,feed
            198.51.100.0/24
            network,score,source
            203.0.113.0/24,0.4
            """;

        var result = ReputationCsv.Parse(csv);

        Assert.Equal([("192.0.2.0/24", 0.9), ("203.0.113.0/24", 0.4)], result.Entries.Select(e => (e.Network.ToString(), e.Score)));
        Assert.Equal(
        [
            "line 2: 'not-an-ip' is neither an IP address nor a CIDR block",
            "line 3: '198.51.100.0/33' is neither an IP address nor a CIDR block",
            "line 4: score 'high' is not a number from 0 to 1",
            "line 5: score '1.5' is not a number from 0 to 1",
            "line 6: score 'NaN' is not a number from 0 to 1",
            "line 7: expected network,score,source",
            "line 8: 'network' is neither an IP address nor a CIDR block",
        ], result.Errors);
    }

    [Fact]
    public void Host_bits_of_a_block_are_cleared()
    {
        var entry = Assert.Single(ReputationCsv.Parse("192.0.2.77/24,0.5,feed").Entries);

        Assert.Equal("192.0.2.0/24", entry.Network.ToString());
    }

    [Fact]
    public void Lookup_takes_the_most_specific_block_and_the_worse_of_duplicates()
    {
        var table = ReputationEntry.Table(ReputationCsv.Parse("""
            192.0.2.0/24,0.2,wide
            192.0.2.128/25,0.7,narrow
            192.0.2.128/25,0.6,narrow-older
            192.0.2.200,0.1,host
            """).Entries);

        Assert.Equal("host", table.Match(IPAddress.Parse("192.0.2.200"))!.Source);
        Assert.Equal(("narrow", 0.7), (table.Match(IPAddress.Parse("192.0.2.129"))!.Source, table.Match(IPAddress.Parse("192.0.2.129"))!.Score));
        Assert.Equal("wide", table.Match(IPAddress.Parse("::ffff:192.0.2.1"))!.Source);
        Assert.Null(table.Match(IPAddress.Parse("198.51.100.1")));
        Assert.Null(table.Match(IPAddress.Parse("2001:db8::1")));
    }

    [Fact]
    public void Allowlist_matches_addresses_inside_its_blocks()
    {
        var allowlist = AllowlistEntry.Table([new AllowlistEntry(Networks.Parse("2001:db8:1::/48"), "partner relay")]);

        Assert.Equal("partner relay", allowlist.Match(IPAddress.Parse("2001:db8:1:ffff::25"))?.Reason);
        Assert.Null(allowlist.Match(IPAddress.Parse("2001:db8:2::25")));
    }
}
