using System.Text;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Core.Tests.Support;
using static DmarcSecurity.Core.Tests.Support.IdsReading;

namespace DmarcSecurity.Core.Tests.Ids;

/// <summary>A tailer reads a file still being written, and resumes where it stopped.</summary>
public sealed class IdsLogReaderTailTests
{
    [Fact]
    public void Last_line_without_newline_is_left_unread_when_not_at_end()
    {
        var eve = Samples.Read("Ids/suricata-eve.json");
        var lastNewline = Array.LastIndexOf(eve, (byte)'\n', eve.Length - 2);
        var cut = eve[..(lastNewline + 40)];

        var (events, stats) = Bytes(cut, IdsFormat.SuricataEve, new IdsReadOptions { AtEnd = false });

        Assert.Equal(3, events.Count);
        Assert.Equal(lastNewline + 1, stats.ConsumedBytes);
        Assert.Equal(8, stats.Lines);
        Assert.Equal(0, stats.Unreadable);
    }

    [Fact]
    public void Last_line_without_newline_is_read_at_end()
    {
        var fast = File.ReadAllText(Samples.PathOf("Ids/suricata-fast.log")).TrimEnd('\n');

        var (events, stats) = Text(fast, IdsFormat.SuricataFast);

        Assert.Equal(6, events.Count);
        Assert.Equal(Encoding.UTF8.GetByteCount(fast), stats.ConsumedBytes);
    }

    [Fact]
    public void Resuming_at_consumed_bytes_reads_each_line_once()
    {
        var eve = Samples.Read("Ids/suricata-eve.json");
        var first = Bytes(eve[..1500], IdsFormat.SuricataEve, new IdsReadOptions { AtEnd = false });

        var rest = Bytes(eve[(int)first.Stats.ConsumedBytes..], IdsFormat.SuricataEve);

        Assert.Equal(["1:2010935:3", "1:2001219:20", "1:2100384:6"], first.Events.Concat(rest.Events).Select(e => e.SignatureId));
        Assert.Equal(eve.Length, first.Stats.ConsumedBytes + rest.Stats.ConsumedBytes);
        Assert.Equal(9, first.Stats.Lines + rest.Stats.Lines);
    }

    [Fact]
    public void Stopping_early_leaves_consumed_bytes_after_the_last_event_handed_out()
    {
        var eve = Samples.Read("Ids/suricata-eve.json");
        var stats = new IdsReadStats();

        var firstEvent = IdsLogReader.Read(new MemoryStream(eve), IdsFormat.SuricataEve, stats).First();

        Assert.Equal("1:2010935:3", firstEvent.SignatureId);
        Assert.Equal(Array.IndexOf(eve, (byte)'\n') + 1, stats.ConsumedBytes);
    }

    [Fact]
    public void Zeek_tailer_resumes_past_the_header_with_the_fields_it_saw()
    {
        var conn = Samples.Read("Ids/zeek-conn.log");
        var headerEnd = IndexAfterLine(conn, "#types");
        var twoRows = IndexAfterLine(conn, "1796565803.000001");
        var first = Bytes(conn[..twoRows], IdsFormat.ZeekTsv, new IdsReadOptions { AtEnd = false });

        var resumed = Bytes(conn[(int)first.Stats.ConsumedBytes..], IdsFormat.ZeekTsv, new IdsReadOptions { ZeekFields = first.Stats.ZeekFields });

        Assert.True(headerEnd < twoRows);
        Assert.Equal(2, first.Events.Count);
        Assert.Equal(["SF", "S0", "OTH"], resumed.Events.Select(e => e.Signature));
        Assert.Equal(Utc(2026, 12, 6, 14, 3, 30, 500000), resumed.Events[0].At);
        Assert.Equal(first.Stats.ZeekFields, resumed.Stats.ZeekFields);
    }

    [Fact]
    public void Zeek_rows_without_a_header_are_unreadable()
    {
        var conn = Samples.Read("Ids/zeek-conn.log");
        var rows = conn[IndexAfterLine(conn, "#types")..];

        var (events, stats) = Bytes(rows, IdsFormat.ZeekTsv);

        Assert.Empty(events);
        Assert.Equal(5, stats.Unreadable);
        Assert.Equal("data before any #fields header", stats.Errors[0].Reason);
    }

    [Fact]
    public void Over_long_line_still_being_written_is_left_for_the_next_pass()
    {
        var good = File.ReadAllText(Samples.PathOf("Ids/suricata-fast.log")).Split('\n')[0] + "\n";
        var input = Encoding.UTF8.GetBytes(good + new string('A', 5000));

        var (events, stats) = Bytes(input, IdsFormat.SuricataFast, new IdsReadOptions { AtEnd = false, MaxLineBytes = 1024 });

        Assert.Single(events);
        Assert.Equal(Encoding.UTF8.GetByteCount(good), stats.ConsumedBytes);
        Assert.Equal(0, stats.Unreadable);
    }

    private static int IndexAfterLine(byte[] content, string lineStart)
    {
        var start = content.AsSpan().IndexOf(Encoding.UTF8.GetBytes("\n" + lineStart)) + 1;
        return start + Array.IndexOf(content, (byte)'\n', start) - start + 1;
    }
}
