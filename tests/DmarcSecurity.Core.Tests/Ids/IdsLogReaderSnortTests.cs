using DmarcSecurity.Core.Ids;
using static DmarcSecurity.Core.Tests.Support.IdsReading;

namespace DmarcSecurity.Core.Tests.Ids;

/// <summary>Snort 2 and 3 alert_fast lines, in the shapes the sensors write them.</summary>
public sealed class IdsLogReaderSnortTests
{
    [Fact]
    public void Snort2_line_reads_every_field()
    {
        var (events, stats) = Sample("snort2-alert_fast.txt");

        Assert.Equal(
            new IdsEvent(IdsEventKind.Alert, IdsSensor.Snort, Utc(2026, 12, 6, 14, 3, 22, 123456), "203.0.113.7", 51234,
                "198.51.100.10", 1433, "TCP", "ET SCAN Suspicious inbound to MSSQL port 1433", "1:2010935:3",
                "Potentially Bad Traffic", 2, null),
            events[0]);
        Assert.Equal(IdsFormat.SnortFast, stats.Format);
        Assert.Equal(6, stats.Events);
        Assert.Equal(6, stats.Lines);
        Assert.Equal(0, stats.Unreadable);
    }

    [Fact]
    public void Snort2_icmp_has_no_ports()
    {
        var (events, _) = Sample("snort2-alert_fast.txt");

        var ping = events[1];
        Assert.Equal(("203.0.113.8", (int?)null, "198.51.100.10", (int?)null, "ICMP"), (ping.SourceIp, ping.SourcePort, ping.DestinationIp, ping.DestinationPort, ping.Protocol));
        Assert.Equal("GPL ICMP_INFO PING *NIX", ping.Signature);
        Assert.Equal(3, ping.Priority);
    }

    [Fact]
    public void Snort2_preprocessor_alert_without_classification_keeps_its_protocol_text()
    {
        var (events, _) = Sample("snort2-alert_fast.txt");

        var scan = events[2];
        Assert.Equal("(port_scan) TCP portscan", scan.Signature);
        Assert.Equal("122:1:1", scan.SignatureId);
        Assert.Null(scan.Classification);
        Assert.Equal("PROTO:255", scan.Protocol);
        Assert.Equal("203.0.113.9", scan.SourceIp);
        Assert.Null(scan.SourcePort);
    }

    [Fact]
    public void Snort2_inline_drop_with_bare_ipv6_and_ports()
    {
        var (events, _) = Sample("snort2-alert_fast.txt");

        var ssh = events[3];
        Assert.Equal("Drop", ssh.Action);
        Assert.Equal(("2001:db8:aa::7", (int?)40022, "2001:db8:bb::10", (int?)22), (ssh.SourceIp, ssh.SourcePort, ssh.DestinationIp, ssh.DestinationPort));
        Assert.Equal(Utc(2026, 12, 6, 14, 5, 10, 1), ssh.At);
    }

    [Fact]
    public void Interface_name_is_not_part_of_the_message()
    {
        var (events, _) = Sample("snort2-alert_fast.txt");

        Assert.Equal("LOCAL UDP probe to SNMP", events[4].Signature);
        Assert.Equal(("192.0.2.44", (int?)5353, "UDP"), (events[4].SourceIp, events[4].SourcePort, events[4].Protocol));
    }

    [Fact]
    public void Bare_ipv6_without_ports_for_icmpv6_and_no_priority()
    {
        var (events, _) = Sample("snort2-alert_fast.txt");

        var ping = events[5];
        Assert.Equal(("2001:db8:aa::8", (int?)null, "2001:db8:bb::10", (int?)null), (ping.SourceIp, ping.SourcePort, ping.DestinationIp, ping.DestinationPort));
        Assert.Equal("IPV6-ICMP", ping.Protocol);
        Assert.Null(ping.Priority);
        Assert.Null(ping.Classification);
    }

    [Fact]
    public void Two_digit_year_is_used_as_written()
    {
        var (events, stats) = Sample("snort2-alert_fast-year.txt");

        Assert.Equal(IdsFormat.SnortFast, stats.Format);
        Assert.Equal(Utc(2026, 12, 6, 14, 3, 22, 123456), events[0].At);
        Assert.Equal(Utc(2025, 12, 31, 23, 59, 59, 999999), events[1].At);
    }

    [Fact]
    public void Snort3_quoted_message_and_priority_zero_as_none()
    {
        var (events, stats) = Sample("snort3-alert_fast.txt");

        Assert.Equal(
            new IdsEvent(IdsEventKind.Alert, IdsSensor.Snort, Utc(2026, 12, 6, 14, 3, 22, 123456), "10.0.0.1", null,
                "10.0.0.2", null, "ICMP", "ICMP connectivity test", "1:1000001:1", null, null, null),
            events[0]);
        Assert.Equal(6, stats.Events);
        Assert.Equal(0, stats.Unreadable);
    }

    [Fact]
    public void Snort3_actions_in_brackets_and_quotes()
    {
        var (events, _) = Sample("snort3-alert_fast.txt");

        Assert.Equal(["drop", "would drop", null, "would drop", "allow"], events.Skip(1).Select(e => e.Action));
    }

    [Fact]
    public void Snort3_appid_bracket_is_passed_over()
    {
        var (events, _) = Sample("snort3-alert_fast.txt");

        var nmap = events[2];
        Assert.Equal("ET SCAN Possible Nmap User-Agent Observed", nmap.Signature);
        Assert.Equal("Web Application Attack", nmap.Classification);
        Assert.Equal(1, nmap.Priority);
        Assert.Equal(("203.0.113.20", (int?)44310, "198.51.100.10", (int?)80, "TCP"), (nmap.SourceIp, nmap.SourcePort, nmap.DestinationIp, nmap.DestinationPort, nmap.Protocol));
    }

    [Fact]
    public void Snort3_interface_and_ipv6_bare_and_bracketed()
    {
        var (events, _) = Sample("snort3-alert_fast.txt");

        Assert.Equal("LOCAL SSH brute force", events[3].Signature);
        Assert.Equal(("2001:db8::7", (int?)50000, "2001:db8::10", (int?)22), (events[3].SourceIp, events[3].SourcePort, events[3].DestinationIp, events[3].DestinationPort));
        Assert.Equal(("2001:db8::1", (int?)443, "2001:db8::2", (int?)8443), (events[4].SourceIp, events[4].SourcePort, events[4].DestinationIp, events[4].DestinationPort));
        Assert.Equal("116:414:1", events[5].SignatureId);
    }

    [Fact]
    public void Line_without_year_takes_the_year_before_when_it_would_be_in_the_future()
    {
        const string Line = "12/31-23:00:00.000000  [**] [1:1:1] x [**] [Priority: 1] {TCP} 192.0.2.1:1 -> 192.0.2.2:2\n";

        var (events, _) = Text(Line, options: new IdsReadOptions { Now = new DateTimeOffset(2027, 1, 2, 0, 0, 0, TimeSpan.Zero) });
        var (tooEarly, _) = Text(Line, options: new IdsReadOptions { Now = new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero) });

        Assert.Equal(Utc(2026, 12, 31, 23, 0, 0), events[0].At);
        Assert.Equal(Utc(2025, 12, 31, 23, 0, 0), tooEarly[0].At);
    }

    [Fact]
    public void Line_up_to_a_day_ahead_of_now_keeps_this_year()
    {
        var (events, _) = Text(
            "12/07-20:00:00.000000  [**] [1:1:1] x [**] {TCP} 192.0.2.1:1 -> 192.0.2.2:2\n",
            options: new IdsReadOptions { Now = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero) });

        Assert.Equal(Utc(2026, 12, 7, 20, 0, 0), events[0].At);
    }

    [Fact]
    public void February_29_without_year_goes_back_to_the_last_leap_year()
    {
        var (events, _) = Text(
            "02/29-10:00:00.000000  [**] [1:1:1] x [**] {TCP} 192.0.2.1:1 -> 192.0.2.2:2\n",
            options: new IdsReadOptions { Now = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero) });

        Assert.Equal(Utc(2024, 2, 29, 10, 0, 0), events[0].At);
    }

    [Fact]
    public void Sensor_offset_turns_local_time_into_utc()
    {
        var (events, _) = Sample("snort2-alert_fast.txt", options: new IdsReadOptions { Now = Now, SensorOffset = TimeSpan.FromHours(1) });

        Assert.Equal(Utc(2026, 12, 6, 13, 3, 22, 123456), events[0].At);
        Assert.Equal(TimeSpan.Zero, events[0].At.Offset);
    }
}
