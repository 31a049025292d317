using DmarcSecurity.Core.Ids;
using DmarcSecurity.Core.Tests.Support;
using static DmarcSecurity.Core.Tests.Support.IdsReading;

namespace DmarcSecurity.Core.Tests.Ids;

/// <summary>Zeek conn and notice logs, tab-separated and JSON.</summary>
public sealed class IdsLogReaderZeekTests
{
    [Fact]
    public void Conn_record_is_a_connection_with_its_state()
    {
        var (events, stats) = Sample("zeek-conn.log");

        Assert.Equal(
            new IdsEvent(IdsEventKind.Connection, IdsSensor.Zeek, Utc(2026, 12, 6, 14, 3, 22, 123456), "203.0.113.7", 51234,
                "198.51.100.10", 1433, "TCP", "S0", null, null, null, null),
            events[0]);
        Assert.Equal(IdsFormat.ZeekTsv, stats.Format);
        Assert.Equal(5, stats.Lines);
        Assert.Equal(5, stats.Events);
        Assert.Equal(0, stats.Unreadable);
    }

    [Fact]
    public void Conn_states_protocols_and_addresses_as_written()
    {
        var (events, _) = Sample("zeek-conn.log");

        Assert.Equal(["S0", "REJ", "SF", "S0", "OTH"], events.Select(e => e.Signature));
        Assert.Equal(["TCP", "TCP", "TCP", "UDP", "ICMP"], events.Select(e => e.Protocol));
        Assert.Equal(("2001:db8:aa::7", (int?)40022, "2001:db8:bb::10", (int?)22), (events[2].SourceIp, events[2].SourcePort, events[2].DestinationIp, events[2].DestinationPort));
    }

    [Fact]
    public void Conn_ts_without_fraction_and_icmp_without_ports()
    {
        var (events, _) = Sample("zeek-conn.log");

        Assert.Equal(Utc(2026, 12, 6, 14, 3, 31), events[3].At);
        Assert.Equal(((int?)null, (int?)null), (events[4].SourcePort, events[4].DestinationPort));
        Assert.Equal(Utc(2026, 12, 6, 14, 3, 32, 250000), events[4].At);
    }

    [Fact]
    public void Notice_reads_note_message_and_addresses()
    {
        var (events, _) = Sample("zeek-notice.log");

        Assert.Equal(
            new IdsEvent(IdsEventKind.Notice, IdsSensor.Zeek, Utc(2026, 12, 6, 14, 5, 0), "203.0.113.7", null,
                "198.51.100.10", null, null,
                "Scan::Port_Scan: 203.0.113.7 scanned at least 15 unique ports of host 198.51.100.10 in 0m3s",
                "Scan::Port_Scan", null, null, null),
            events[0]);
    }

    [Fact]
    public void Notice_without_src_takes_the_connection_and_unescapes_its_message()
    {
        var (events, _) = Sample("zeek-notice.log");

        var cert = events[1];
        Assert.Equal(("203.0.113.20", (int?)44310, "198.51.100.10", (int?)443, "TCP"), (cert.SourceIp, cert.SourcePort, cert.DestinationIp, cert.DestinationPort, cert.Protocol));
        Assert.Equal("SSL::Invalid_Server_Cert: SSL certificate validation failed with (unable to get local issuer certificate) [strict]", cert.Signature);
    }

    [Fact]
    public void Notice_without_any_address_is_skipped_not_unreadable()
    {
        var (events, stats) = Sample("zeek-notice.log");

        Assert.Equal(3, events.Count);
        Assert.Equal(4, stats.Lines);
        Assert.Equal(0, stats.Unreadable);
        Assert.Equal(new Dictionary<string, long> { ["notice without source address"] = 1 }, stats.Skipped);
        Assert.Equal(("2001:db8:aa::9", (string?)null, (int?)161, "UDP"), (events[2].SourceIp, events[2].DestinationIp, events[2].DestinationPort, events[2].Protocol));
    }

    [Fact]
    public void Other_logs_are_skipped_under_their_path()
    {
        var (events, stats) = Sample("zeek-dns.log");

        Assert.Empty(events);
        Assert.Equal(IdsFormat.ZeekTsv, stats.Format);
        Assert.Equal(new Dictionary<string, long> { ["path dns"] = 2 }, stats.Skipped);
    }

    [Fact]
    public void Concatenated_logs_are_read_each_by_its_own_header()
    {
        var input = Samples.Read("Ids/zeek-dns.log").Concat(Samples.Read("Ids/zeek-conn.log")).Concat(Samples.Read("Ids/zeek-notice.log")).ToArray();

        var (events, stats) = Bytes(input);

        Assert.Equal(8, events.Count);
        Assert.Equal(2, stats.Skipped["path dns"]);
        Assert.Equal("Scan::Port_Scan", events[5].SignatureId);
    }

    [Fact]
    public void Json_conn_by_conn_state_and_by_path_with_iso_time()
    {
        var (events, stats) = Sample("zeek-conn.json");

        Assert.Equal(IdsFormat.ZeekJson, stats.Format);
        Assert.Equal(
            new IdsEvent(IdsEventKind.Connection, IdsSensor.Zeek, Utc(2026, 12, 6, 14, 3, 22, 123456), "203.0.113.7", 51234,
                "198.51.100.10", 1433, "TCP", "S0", null, null, null, null),
            events[0]);
        Assert.Equal(
            new IdsEvent(IdsEventKind.Connection, IdsSensor.Zeek, Utc(2026, 12, 6, 14, 3, 23, 1), "2001:db8:aa::7", 51235,
                "198.51.100.10", 3389, "TCP", "REJ", null, null, null, null),
            events[1]);
        Assert.Equal(new Dictionary<string, long> { ["path unknown"] = 1, ["path dns"] = 1 }, stats.Skipped);
    }

    [Fact]
    public void Json_notices_by_note()
    {
        var (events, stats) = Sample("zeek-notice.json");

        Assert.Equal(2, stats.Events);
        Assert.Equal(
            new IdsEvent(IdsEventKind.Notice, IdsSensor.Zeek, Utc(2026, 12, 6, 14, 5, 1, 250000), "203.0.113.20", 44310,
                "198.51.100.10", 443, "TCP",
                "SSL::Invalid_Server_Cert: SSL certificate validation failed with (unable to get local issuer certificate)",
                "SSL::Invalid_Server_Cert", null, null, null),
            events[1]);
        Assert.Equal(("203.0.113.7", "198.51.100.10"), (events[0].SourceIp, events[0].DestinationIp));
    }

    [Fact]
    public void Last_fields_header_is_reported()
    {
        var (_, stats) = Sample("zeek-conn.log");

        Assert.NotNull(stats.ZeekFields);
        Assert.Equal(21, stats.ZeekFields.Count);
        Assert.Equal(["ts", "uid", "id.orig_h"], stats.ZeekFields.Take(3));
        Assert.Equal("conn_state", stats.ZeekFields[11]);
    }
}
