using System.Text;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Core.Tests.Support;
using static DmarcSecurity.Core.Tests.Support.IdsReading;

namespace DmarcSecurity.Core.Tests.Ids;

/// <summary>Telling the formats apart from the first few KB of content.</summary>
public sealed class IdsLogReaderDetectionTests
{
    [Theory]
    [InlineData("snort2-alert_fast.txt", IdsFormat.SnortFast)]
    [InlineData("snort2-alert_fast-year.txt", IdsFormat.SnortFast)]
    [InlineData("snort3-alert_fast.txt", IdsFormat.SnortFast)]
    [InlineData("suricata-fast.log", IdsFormat.SuricataFast)]
    [InlineData("suricata-eve.json", IdsFormat.SuricataEve)]
    [InlineData("zeek-conn.log", IdsFormat.ZeekTsv)]
    [InlineData("zeek-notice.log", IdsFormat.ZeekTsv)]
    [InlineData("zeek-dns.log", IdsFormat.ZeekTsv)]
    [InlineData("zeek-conn.json", IdsFormat.ZeekJson)]
    [InlineData("zeek-notice.json", IdsFormat.ZeekJson)]
    public void Each_sample_is_detected_as_its_format(string sample, IdsFormat format)
    {
        Assert.Equal(format, IdsLogReader.Detect(Samples.Read(Path.Combine("Ids", sample))));
    }

    [Fact]
    public void Gzip_head_is_inflated_to_look_at()
    {
        var gzip = Archives.Gzip(Samples.Read("Ids/suricata-eve.json"));

        Assert.Equal(IdsFormat.SuricataEve, IdsLogReader.Detect(gzip));
    }

    [Fact]
    public void Head_cut_inside_the_first_json_object_is_still_detected()
    {
        var eve = Samples.Read("Ids/suricata-eve.json");

        Assert.Equal(IdsFormat.SuricataEve, IdsLogReader.Detect(eve.AsSpan(0, 120)));
    }

    [Fact]
    public void Eve_stats_record_first_is_eve()
    {
        Assert.Equal(IdsFormat.SuricataEve, IdsLogReader.Detect("{\"timestamp\":\"2026-12-06T14:04:00.000000+0000\",\"event_type\":\"stats\",\"stats\":{}}\n"u8));
    }

    [Fact]
    public void Zeek_tsv_without_its_header_is_not_detected()
    {
        Assert.Null(IdsLogReader.Detect("1796565802.123456\tCHhAv\t203.0.113.7\t51234\t198.51.100.10\t1433\ttcp\n"u8));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello world\n")]
    [InlineData("<?xml version=\"1.0\"?><feedback/>")]
    [InlineData("{\"name\":\"not a log\"}\n")]
    [InlineData("Dec  6 14:03:22 host sshd[123]: Failed password for root from 203.0.113.7 port 51234 ssh2\n")]
    public void Other_content_is_not_detected(string content)
    {
        Assert.Null(IdsLogReader.Detect(Encoding.UTF8.GetBytes(content)));
    }

    [Fact]
    public void Binary_junk_is_not_detected()
    {
        Assert.Null(IdsLogReader.Detect(Samples.Read("binary-junk.bin")));
    }

    [Fact]
    public void Undetectable_input_throws_before_yielding_anything()
    {
        var events = IdsLogReader.Read(new MemoryStream(Encoding.UTF8.GetBytes("hello world\nsecond line\n")), null, new IdsReadStats());
        using var enumerator = events.GetEnumerator();

        var error = Assert.Throws<InvalidDataException>(() => enumerator.MoveNext());

        Assert.StartsWith("not a Snort, Suricata or Zeek log", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_input_yields_nothing_without_a_format()
    {
        var (events, stats) = Text("\n\n");

        Assert.Empty(events);
        Assert.Null(stats.Format);
        Assert.Equal(0, stats.Lines);
    }

    [Fact]
    public void Garbage_first_lines_do_not_hide_the_format()
    {
        var input = "\u0001\u0002 truncated by rotation\n" + File.ReadAllText(Samples.PathOf("Ids/suricata-fast.log"));

        var (events, stats) = Text(input);

        Assert.Equal(IdsFormat.SuricataFast, stats.Format);
        Assert.Equal(6, events.Count);
        Assert.Equal(1, stats.Unreadable);
        Assert.Equal(1, stats.Errors[0].Line);
    }
}
