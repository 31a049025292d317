using System.Text;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Core.Tests.Support;
using static DmarcSecurity.Core.Tests.Support.IdsReading;

namespace DmarcSecurity.Core.Tests.Ids;

/// <summary>Lines an attacker writes: each is counted and described, the rest of the input is read.</summary>
public sealed class IdsLogReaderHostileInputTests
{
    private const string GoodFast = "12/06/2026-14:03:22.123456  [**] [1:2010935:3] ET SCAN x [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 203.0.113.7:51234 -> 198.51.100.10:1433";

    [Fact]
    public void Each_hostile_eve_line_is_unreadable_with_its_reason()
    {
        var (events, stats) = Sample("hostile-eve.json");

        Assert.Equal(2, events.Count);
        Assert.Equal(15, stats.Lines);
        Assert.Equal(13, stats.Unreadable);
        Assert.Equal(
            [
                (2L, "not valid UTF-8"),
                (3L, "NUL byte in line"),
                (4L, "invalid src_ip: \"999.0.113.8\""),
                (5L, "src_port out of range: 70000"),
                (6L, "alert.severity out of range: 99999"),
                (8L, "src_port is not an integer"),
                (9L, "src_ip is not a string"),
                (10L, "alert is not an object"),
                (12L, "invalid timestamp: \"yesterday\""),
                (13L, "invalid src_ip: \"\""),
                (14L, "invalid src_ip: \"1\""),
            ],
            stats.Errors.Where(e => !e.Reason.StartsWith("invalid JSON", StringComparison.Ordinal)).Select(e => (e.Line, e.Reason)));
        Assert.Equal([7L, 11L], stats.Errors.Where(e => e.Reason.StartsWith("invalid JSON", StringComparison.Ordinal)).Select(e => e.Line));
    }

    [Fact]
    public void Deeply_nested_json_is_refused_at_the_depth_cap()
    {
        var (_, stats) = Sample("hostile-eve.json");

        Assert.Contains("depth", stats.Errors.Single(e => e.Line == 7).Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Over_long_line_is_skipped_without_being_buffered()
    {
        var input = Encoding.UTF8.GetBytes(GoodFast + "\n" + new string('A', 8_000_000) + "\n" + GoodFast + "\n");
        var before = GC.GetAllocatedBytesForCurrentThread();

        var (events, stats) = Bytes(input, options: new IdsReadOptions { MaxLineBytes = 4096 });

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2_000_000, "the long line was buffered");
        Assert.Equal(2, events.Count);
        Assert.Equal(3, stats.Lines);
        Assert.Equal(new IdsLineError(2, "line longer than 4,096 bytes"), stats.Errors.Single());
        Assert.Equal(input.Length, stats.ConsumedBytes);
    }

    [Fact]
    public void Only_the_first_hundred_errors_are_kept_and_all_are_counted()
    {
        var input = string.Concat(Enumerable.Repeat("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] {TCP} 300.1.1.1:1 -> 198.51.100.10:2\n", 250)) + GoodFast + "\n";

        var (events, stats) = Text(input);

        Assert.Single(events);
        Assert.Equal(250, stats.Unreadable);
        Assert.Equal(IdsReadStats.MaxErrors, stats.Errors.Count);
        Assert.Equal(new IdsLineError(100, "invalid source address: \"300.1.1.1:1\""), stats.Errors[^1]);
    }

    [Fact]
    public void Reasons_quote_no_more_than_a_short_excerpt()
    {
        var hostileAddress = new string('9', 5000);
        var input = $"12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] {{TCP}} {hostileAddress}:1 -> 198.51.100.10:2\n"
            + $"{{\"timestamp\":\"2026-12-06T14:03:25+0000\",\"event_type\":\"alert\",\"src_ip\":\"{hostileAddress}\",\"alert\":{{\"signature\":\"x\"}}}}\n";

        var (_, fast) = Text(input, IdsFormat.SuricataFast);
        var (_, eve) = Text(input, IdsFormat.SuricataEve);

        Assert.All(fast.Errors.Concat(eve.Errors), e => Assert.True(e.Reason.Length <= 200, e.Reason));
        Assert.Equal(2, fast.Unreadable);
        Assert.Equal(2, eve.Unreadable);
    }

    [Theory]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] [Priority: 99999] {TCP} 203.0.113.7:1 -> 198.51.100.10:2", "priority out of range: \"Priority: 99999\"")]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] [Priority: -1] {TCP} 203.0.113.7:1 -> 198.51.100.10:2", "priority out of range: \"Priority: -1\"")]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] {TCP} 203.0.113.7:99999 -> 198.51.100.10:2", "invalid source address: \"203.0.113.7:99999\"")]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] {TCP} 203.0.113.7:1 -> 198.51.100.1000:2", "invalid destination address: \"198.51.100.1000:2\"")]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] {TCP} 0x7f.1:1 -> 198.51.100.10:2", "invalid source address: \"0x7f.1:1\"")]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] {TCP} 010.0.0.1:1 -> 198.51.100.10:2", "invalid source address: \"010.0.0.1:1\"")]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] {TCP} fe80::1%eth0 -> 198.51.100.10:2", "invalid source address: \"fe80::1%eth0\"")]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:1:1] x [**] {TCP}", "no \"source -> destination\" addresses")]
    [InlineData("12/06/2026-14:03:22.123456  [**] [1:x:1] x [**] {TCP} 203.0.113.7:1 -> 198.51.100.10:2", "no [gid:sid:rev] after [**]")]
    [InlineData("12/06/2026-14:03:22.123456  [1:1:1] x {TCP} 203.0.113.7:1 -> 198.51.100.10:2", "no [**] ... [**] around the signature")]
    [InlineData("13/45/2026-14:03:22.123456  [**] [1:1:1] x [**] {TCP} 203.0.113.7:1 -> 198.51.100.10:2", "no valid alert time at the start: \"13/45/2026-14:03:22.123456\"")]
    public void Invalid_fast_line_is_unreadable_with_its_reason(string line, string reason)
    {
        var (events, stats) = Text(GoodFast + "\n" + line + "\n" + GoodFast + "\n", IdsFormat.SuricataFast);

        Assert.Equal(2, events.Count);
        Assert.Equal(new IdsLineError(2, reason), stats.Errors.Single());
    }

    [Fact]
    public void Invalid_zeek_rows_are_unreadable_with_their_reason()
    {
        var conn = File.ReadAllText(Samples.PathOf("Ids/zeek-conn.log"));
        var header = string.Concat(conn.Split('\n').TakeWhile(l => l.StartsWith('#')).Select(l => l + "\n"));
        var good = "1796565802.123456\tC1\t203.0.113.7\t51234\t198.51.100.10\t1433\ttcp\t-\t-\t-\t-\tS0\tF\tT\t0\tS\t1\t44\t0\t0\t-\n";
        var input = header + good
            + "1796565802.123456\tC1\t203.0.113.7\t51234\n"
            + good.Replace("203.0.113.7", "203.0.113.256", StringComparison.Ordinal)
            + good.Replace("51234", "65536", StringComparison.Ordinal)
            + good.Replace("1796565802.123456", "soon", StringComparison.Ordinal)
            + good.Replace("\t-\n", "\t-\textra\n", StringComparison.Ordinal)
            + good;

        var (events, stats) = Text(input, IdsFormat.ZeekTsv);

        Assert.Equal(2, events.Count);
        Assert.Equal(
            [
                "4 fields where the header has 21",
                "invalid source address: \"203.0.113.256\"",
                "port out of range",
                "invalid ts: \"soon\"",
                "more than the 21 fields of the header",
            ],
            stats.Errors.Select(e => e.Reason));
    }

    [Fact]
    public void Zeek_json_with_wrong_types_is_unreadable()
    {
        const string Input = """
            {"ts":1796565802.1,"id.orig_h":"203.0.113.7","id.orig_p":"51234","id.resp_h":"198.51.100.10","id.resp_p":1433,"proto":"tcp","conn_state":"S0"}
            {"ts":true,"id.orig_h":"203.0.113.7","conn_state":"S0"}
            {"ts":1796565802.1,"id.orig_h":7,"conn_state":"S0"}
            {"ts":1796565802.1,"id.orig_h":"203.0.113.7","id.orig_p":-1,"conn_state":"S0"}
            {"ts":1796565802.1,"id.orig_h":"203.0.113.7","conn_state":"S0"}
            """;

        var (events, stats) = Text(Input, IdsFormat.ZeekJson);

        Assert.Single(events);
        Assert.Equal(
            ["id.orig_p has the wrong JSON type", "ts has the wrong JSON type", "id.orig_h has the wrong JSON type", "port out of range"],
            stats.Errors.Select(e => e.Reason));
    }

    [Fact]
    public void Gzip_input_is_inflated_transparently()
    {
        var eve = Samples.Read("Ids/suricata-eve.json");

        var (events, stats) = Bytes(Archives.Gzip(eve));

        Assert.Equal(IdsFormat.SuricataEve, stats.Format);
        Assert.Equal(["1:2010935:3", "1:2001219:20", "1:2100384:6"], events.Select(e => e.SignatureId));
        Assert.Equal(eve.Length, stats.ConsumedBytes);
    }

    [Fact]
    public void Gzip_bomb_is_refused_at_the_cap_without_inflating_past_it()
    {
        var bomb = Archives.GzipBomb(256L * 1024 * 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<InvalidDataException>(() => Bytes(bomb, IdsFormat.SuricataEve, new IdsReadOptions { MaxDecompressedBytes = 8_000_000 }));

        Assert.Contains("decompression bomb", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8_000_000, "inflation went on past the cap");
    }

    [Fact]
    public void Gzip_bomb_of_lines_is_refused_at_the_cap()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            var line = Encoding.UTF8.GetBytes(GoodFast + "\n");
            for (var i = 0; i < 200_000; i++)
            {
                gzip.Write(line);
            }
        }

        var stats = new IdsReadStats();
        var read = 0;
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var _ in IdsLogReader.Read(new MemoryStream(compressed.ToArray()), null, stats, new IdsReadOptions { MaxDecompressedBytes = 1_000_000 }))
            {
                read++;
            }
        });

        Assert.Contains("1,000,000 bytes", error.Message, StringComparison.Ordinal);
        Assert.InRange(stats.ConsumedBytes, 900_000, 1_000_000);
        Assert.Equal(stats.Events, read);
    }
}
