using DmarcSecurity.Core.Ids;
using static DmarcSecurity.Core.Tests.Support.IdsReading;

namespace DmarcSecurity.Core.Tests.Ids;

/// <summary>Suricata's fast.log and EVE JSON.</summary>
public sealed class IdsLogReaderSuricataTests
{
    [Fact]
    public void Fast_line_reads_every_field()
    {
        var (events, stats) = Sample("suricata-fast.log");

        Assert.Equal(
            new IdsEvent(IdsEventKind.Alert, IdsSensor.Suricata, Utc(2026, 12, 6, 14, 3, 22, 123456), "203.0.113.7", 51234,
                "198.51.100.10", 1433, "TCP", "ET SCAN Suspicious inbound to MSSQL port 1433", "1:2010935:3",
                "Potentially Bad Traffic", 2, null),
            events[0]);
        Assert.Equal(IdsFormat.SuricataFast, stats.Format);
        Assert.Equal(6, stats.Events);
        Assert.Equal(0, stats.Unreadable);
    }

    [Fact]
    public void Fast_drop_and_would_drop_are_the_action()
    {
        var (events, _) = Sample("suricata-fast.log");

        Assert.Equal(["Drop", "wDrop"], events.Skip(1).Take(2).Select(e => e.Action));
        Assert.Equal("Web Application Attack", events[2].Classification);
        Assert.Equal(1, events[2].Priority);
    }

    [Fact]
    public void Fast_icmp_type_and_code_are_not_ports()
    {
        var (events, _) = Sample("suricata-fast.log");

        Assert.Equal(("203.0.113.8", (int?)null, "198.51.100.10", (int?)null, "ICMP"), (events[3].SourceIp, events[3].SourcePort, events[3].DestinationIp, events[3].DestinationPort, events[3].Protocol));
        Assert.Equal(("fe80::1", (int?)null, "ff02::1", "IPV6-ICMP"), (events[5].SourceIp, events[5].SourcePort, events[5].DestinationIp, events[5].Protocol));
    }

    [Fact]
    public void Fast_null_classification_is_none_and_bare_ipv6_has_ports()
    {
        var (events, _) = Sample("suricata-fast.log");

        Assert.Null(events[4].Classification);
        Assert.Equal(("2001:db8:aa::7", (int?)40022, "2001:db8:bb::10", (int?)80), (events[4].SourceIp, events[4].SourcePort, events[4].DestinationIp, events[4].DestinationPort));
    }

    [Fact]
    public void Fast_time_is_local_to_the_sensor()
    {
        var (events, _) = Sample("suricata-fast.log", options: new IdsReadOptions { SensorOffset = TimeSpan.FromHours(-5) });

        Assert.Equal(Utc(2026, 12, 6, 19, 3, 22, 123456), events[0].At);
    }

    [Fact]
    public void Named_format_wins_over_the_year_written()
    {
        var (events, stats) = Sample("suricata-fast.log", IdsFormat.SnortFast);

        Assert.Equal(IdsFormat.SnortFast, stats.Format);
        Assert.All(events, e => Assert.Equal(IdsSensor.Snort, e.Sensor));
    }

    [Fact]
    public void Eve_alert_reads_every_field()
    {
        var (events, stats) = Sample("suricata-eve.json");

        Assert.Equal(
            new IdsEvent(IdsEventKind.Alert, IdsSensor.Suricata, Utc(2026, 12, 6, 14, 3, 22, 123456), "203.0.113.7", 51234,
                "198.51.100.10", 1433, "TCP", "ET SCAN Suspicious inbound to MSSQL port 1433", "1:2010935:3",
                "Potentially Bad Traffic", 2, "allowed"),
            events[0]);
        Assert.Equal(IdsFormat.SuricataEve, stats.Format);
    }

    [Fact]
    public void Eve_other_event_types_are_skipped_and_counted_by_type()
    {
        var (events, stats) = Sample("suricata-eve.json");

        Assert.Equal(3, events.Count);
        Assert.Equal(9, stats.Lines);
        Assert.Equal(3, stats.Events);
        Assert.Equal(0, stats.Unreadable);
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["event_type flow"] = 2, ["event_type dns"] = 1, ["event_type stats"] = 1, ["event_type http"] = 1,
                ["event_type anomaly"] = 1,
            },
            stats.Skipped);
    }

    [Fact]
    public void Eve_offset_escapes_and_uncompressed_ipv6_are_normalised()
    {
        var (events, _) = Sample("suricata-eve.json");

        var ssh = events[1];
        Assert.Equal(Utc(2026, 12, 6, 14, 3, 23, 500000), ssh.At);
        Assert.Equal("2001:db8:aa::7", ssh.SourceIp);
        Assert.Equal("ET SCAN Potential SSH Scan \"OUTBOUND\" café", ssh.Signature);
        Assert.Equal(("1:2001219:20", "blocked"), (ssh.SignatureId, ssh.Action));
    }

    [Fact]
    public void Eve_icmp_alert_has_no_ports()
    {
        var (events, _) = Sample("suricata-eve.json");

        Assert.Equal(
            new IdsEvent(IdsEventKind.Alert, IdsSensor.Suricata, Utc(2026, 12, 6, 14, 3, 25), "203.0.113.8", null,
                "198.51.100.10", null, "ICMP", "GPL ICMP_INFO PING", "1:2100384:6", "Misc activity", 3, "allowed"),
            events[2]);
    }

    [Fact]
    public void Eve_ignores_the_sensor_offset_since_its_times_carry_their_own()
    {
        var (events, _) = Sample("suricata-eve.json", options: new IdsReadOptions { SensorOffset = TimeSpan.FromHours(3) });

        Assert.Equal(Utc(2026, 12, 6, 14, 3, 22, 123456), events[0].At);
    }
}
