using System.Diagnostics;
using System.Text.Json;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Ingestion.Tailing;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Data.Ids;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests.Ids;

/// <summary>The Api with three tailers read every 200 ms: two sensor logs not written yet and a folder of EVE logs.</summary>
public abstract class IdsTailerFixture : ApiFixture
{
    public IdsTailerFixture()
    {
        Directory.CreateDirectory(Path.Combine(Root, "live"));
        Directory.CreateDirectory(Path.Combine(Root, "sensors"));
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("dmarc-tail-").FullName;

    public string Live(string file) => Path.Combine(Root, "live", file);

    public string Sensors => Path.Combine(Root, "sensors");

    /// <summary>A folder for one test that polls a tailer of its own by hand.</summary>
    public string NewFolder() => Directory.CreateTempSubdirectory("dmarc-tail-test-").FullName;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Ids:Tailers:eve:Path", Live("eve.json")),
        new("Ids:Tailers:eve:PollInterval", "00:00:00.200"),
        new("Ids:Tailers:restart:Path", Live("restart.json")),
        new("Ids:Tailers:restart:Format", "SuricataEve"),
        new("Ids:Tailers:restart:PollInterval", "00:00:00.200"),
        new("Ids:Tailers:sensors:Path", Sensors),
        new("Ids:Tailers:sensors:Pattern", "*.json"),
        new("Ids:Tailers:sensors:PollInterval", "00:00:00.200"),
    ];
}

public sealed class PostgreSqlIdsTailerFixture : IdsTailerFixture
{
    public override DbProvider Provider => DbProvider.PostgreSql;
}

public sealed class SqliteIdsTailerFixture : IdsTailerFixture
{
    public override DbProvider Provider => DbProvider.Sqlite;
}

/// <summary>IDS logs followed as the sensors write them: each line stored once, across partial lines, restarts,
/// rotation and truncation, with its evidence for the source-IP grains.</summary>
public abstract class IdsTailerTests(IdsTailerFixture fixture)
{
    private static string Eve(string source, string signature, int sid, int minute = 0) =>
        $$$"""{"timestamp":"2026-12-01T10:{{{minute:D2}}}:00.000000+0000","flow_id":{{{sid}}},"event_type":"alert","src_ip":"{{{source}}}","src_port":51234,"dest_ip":"198.51.100.10","dest_port":443,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":{{{sid}}},"rev":1,"signature":"{{{signature}}}","category":"Attempted Administrator Privilege Gain","severity":2}}""";

    private static void Append(string path, string text) => File.AppendAllText(path, text);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Signatures stored for <paramref name="ip"/>, in the sensor's order.</summary>
    private Task<string[]> SignaturesAsync(string ip) =>
        Seed.QueryAsync(fixture, async db => (await db.IdsAlerts.Where(a => a.SourceIp == ip).ToListAsync())
            .OrderBy(a => a.At).ThenBy(a => a.Id).Select(a => a.Signature).ToArray());

    private async Task<List<IdsEvidenceEvent>> EvidenceAsync(string ip) =>
        [.. (await Seed.InboxAsync(fixture, GrainTypes.SourceIp, ip, GrainEventTypes.IdsEvidence))
            .Select(e => JsonSerializer.Deserialize(e.Payload, GrainEventJson.Default.IdsEvidenceEvent)!)];

    private Task<IdsTailPositionEntity> PositionAsync(string tailer, string path) =>
        Seed.QueryAsync(fixture, db => db.IdsTailPositions.SingleAsync(p => p.Tailer == tailer && p.Path == path));

    private IdsLogTailer Tailer(string name, string path, string? format = null) =>
        ActivatorUtilities.CreateInstance<IdsLogTailer>(fixture.Factory.Services, name,
            new IdsTailerOptions { Path = path, Format = format, PollInterval = TimeSpan.FromHours(1) });

    [Fact]
    public async Task Lines_appended_in_steps_are_stored_once_each_and_a_partial_last_line_once_it_is_complete()
    {
        const string Ip = "203.0.113.21";
        var path = fixture.Live("eve.json");
        var third = Eve(Ip, "ET SCAN third", 3, 3);

        Append(path, Eve(Ip, "ET SCAN first", 1, 1) + "\n" + Eve(Ip, "ET SCAN second", 2, 2) + "\n" + third[..60]);
        await WaitUntilAsync(async () => (await SignaturesAsync(Ip)).Length == 2, "the two complete lines");
        await Task.Delay(800);
        Assert.Equal(["ET SCAN first", "ET SCAN second"], await SignaturesAsync(Ip));
        var waiting = await PositionAsync("eve", path);
        Assert.Equal(new FileInfo(path).Length - 60, waiting.Offset);

        Append(path, third[60..] + "\n" + Eve(Ip, "ET SCAN fourth", 4, 4) + "\n");
        await WaitUntilAsync(async () => (await SignaturesAsync(Ip)).Length >= 4, "the completed line and the next");
        await Task.Delay(800);

        Assert.Equal(["ET SCAN first", "ET SCAN second", "ET SCAN third", "ET SCAN fourth"], await SignaturesAsync(Ip));
        var evidence = await EvidenceAsync(Ip);
        Assert.Equal(4, evidence.Sum(e => e.Alerts));
        Assert.Equal(["1:1:1", "1:2:1", "1:3:1", "1:4:1"], evidence.SelectMany(e => e.Signatures).Select(s => s.SignatureId).Order());
        Assert.Equal(new FileInfo(path).Length, (await PositionAsync("eve", path)).Offset);

        var listed = (await Upload.GetAsync<PagedResult<IdsIngestionDto>>(fixture.Client, "/api/ingest/ids?pageSize=100")).Items
            .Where(i => i.Source == "tail:eve").ToList();
        Assert.Equal(evidence.Select(e => e.Batch).Order(), listed.Select(i => i.Id).Order());
        Assert.All(listed, i => Assert.Equal(("eve.json", FileOutcome.Stored, IdsFormat.SuricataEve), (i.FileName, i.Outcome, i.Format)));
        Assert.Equal(4, listed.Sum(i => i.Alerts));
        Assert.Equal(new FileInfo(path).Length, listed.Sum(i => i.Size));
    }

    [Fact]
    public async Task After_a_restart_the_tailer_resumes_at_the_stored_position_without_loss_or_repeat()
    {
        const string Ip = "203.0.113.22";
        var path = fixture.Live("restart.json");
        Append(path, Eve(Ip, "before 1", 11, 1) + "\n" + Eve(Ip, "before 2", 12, 2) + "\n");
        await WaitUntilAsync(async () => (await SignaturesAsync(Ip)).Length == 2, "the lines before the restart");

        await fixture.RestartAsync();
        var partial = Eve(Ip, "while stopped, partial", 15, 5);
        Append(path, Eve(Ip, "while stopped 1", 13, 3) + "\n" + Eve(Ip, "while stopped 2", 14, 4) + "\n" + partial[..30]);
        _ = fixture.Factory.Services; // the Api starts again
        await WaitUntilAsync(async () => (await SignaturesAsync(Ip)).Length == 4, "the lines written while stopped");
        Append(path, partial[30..] + "\n");
        await WaitUntilAsync(async () => (await SignaturesAsync(Ip)).Length >= 5, "the completed line");
        await Task.Delay(800);

        Assert.Equal(["before 1", "before 2", "while stopped 1", "while stopped 2", "while stopped, partial"], await SignaturesAsync(Ip));
        Assert.Equal(5, (await EvidenceAsync(Ip)).Sum(e => e.Alerts));
        Assert.Equal(new FileInfo(path).Length, (await PositionAsync("restart", path)).Offset);
    }

    [Fact]
    public async Task A_rotated_log_is_finished_from_its_position_then_the_new_file_is_read_from_its_start()
    {
        const string Ip = "203.0.113.23";
        var folder = fixture.NewFolder();
        var path = Path.Combine(folder, "eve.json");
        var rotated = Path.Combine(folder, "eve.json.1");
        var tailer = Tailer("rotation", path);
        Append(path, Eve(Ip, "old 1", 21, 1) + "\n" + Eve(Ip, "old 2", 22, 2) + "\n");
        await tailer.PollAsync(CancellationToken.None);
        var before = await PositionAsync("rotation", path);

        // Written after the last read, then rotated; the sensor goes on writing to the renamed file until it reopens.
        Append(path, Eve(Ip, "old 3, after the last read", 23, 3) + "\n");
        File.Move(path, rotated);
        File.WriteAllText(path, "");
        await tailer.PollAsync(CancellationToken.None);
        Assert.Equal(["old 1", "old 2", "old 3, after the last read"], await SignaturesAsync(Ip));
        Append(rotated, Eve(Ip, "old 4, before the reopen", 24, 4) + "\n");
        Append(path, Eve(Ip, "new 1", 25, 5) + "\n");
        await tailer.PollAsync(CancellationToken.None);
        Append(path, Eve(Ip, "new 2", 26, 6) + "\n");
        await tailer.PollAsync(CancellationToken.None);
        await tailer.PollAsync(CancellationToken.None);

        Assert.Equal(["old 1", "old 2", "old 3, after the last read", "old 4, before the reopen", "new 1", "new 2"], await SignaturesAsync(Ip));
        Assert.Equal(6, (await EvidenceAsync(Ip)).Sum(e => e.Alerts));
        var after = await PositionAsync("rotation", path);
        Assert.Equal((FileIdentities.Of(path)!.Value.Identity.Inode, new FileInfo(path).Length), (after.Inode, after.Offset));
        Assert.NotEqual(before.Inode, after.Inode);
        Assert.Contains(fixture.Logs.Lines, l => l.Contains($"Tailer rotation: {path} was rotated; the earlier file, now eve.json.1, was read to its end", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_truncated_log_is_read_again_from_its_start_and_the_truncation_logged()
    {
        const string Ip = "203.0.113.24";
        var path = Path.Combine(fixture.NewFolder(), "alert_fast.txt");
        var tailer = Tailer("truncation", path);
        static string Fast(string signature, int sid, int minute) =>
            $"12/01-10:{minute:D2}:00.000000  [**] [1:{sid}:1] {signature} [**] [Classification: Attempted Information Leak] [Priority: 2] {{TCP}} {Ip}:51234 -> 198.51.100.10:22\n";
        Append(path, Fast("before 1", 31, 1) + Fast("before 2", 32, 2));
        await tailer.PollAsync(CancellationToken.None);
        var inode = (await PositionAsync("truncation", path)).Inode;

        File.WriteAllText(path, Fast("after", 33, 3)); // same file, cut and written from its start
        await tailer.PollAsync(CancellationToken.None);
        Append(path, Fast("after 2", 34, 4));
        await tailer.PollAsync(CancellationToken.None);
        await tailer.PollAsync(CancellationToken.None);

        Assert.Equal(["before 1", "before 2", "after", "after 2"], await SignaturesAsync(Ip));
        Assert.Equal(4, (await EvidenceAsync(Ip)).Sum(e => e.Alerts));
        var position = await PositionAsync("truncation", path);
        Assert.Equal((inode, new FileInfo(path).Length, (IdsFormat?)IdsFormat.SnortFast), (position.Inode, position.Offset, position.Format));
        Assert.Single(fixture.Logs.Lines, l => l.Contains($"Tailer truncation: {path} was truncated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_Zeek_log_whose_header_was_read_in_an_earlier_poll_is_read_by_that_header()
    {
        const string Ip = "203.0.113.25";
        var path = Path.Combine(fixture.NewFolder(), "conn.log");
        var tailer = Tailer("zeek", path);
        Append(path, string.Join('\n',
            @"#separator \x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn", "#open\t2026-12-06-14-00-00",
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]") + "\n");
        await tailer.PollAsync(CancellationToken.None);
        var header = await PositionAsync("zeek", path);
        Assert.Equal((IdsFormat?)IdsFormat.ZeekTsv, header.Format);
        Assert.StartsWith("ts\tuid\tid.orig_h", header.ZeekFields);

        Append(path,
            $"1796565802.123456\tCHhAvVGS1DHFjwGM9\t{Ip}\t51234\t198.51.100.10\t1433\ttcp\t-\t-\t-\t-\tS0\tF\tT\t0\tS\t1\t44\t0\t0\t-\n" +
            $"1796565803.000001\tC4J4Th3PJpwUYZZ6gc\t{Ip}\t51235\t198.51.100.11\t3389\ttcp\t-\t0.000311\t0\t0\tREJ\tF\tT\t0\tSr\t1\t44\t1\t40\t-\n" +
            $"1796565810.500000\tCUM0KZ3MLUfNB0cl11\t{Ip}\t40022\t198.51.100.12\t22\ttcp\tssh\t12.402147\t2934\t4012\tSF\tF\tT\t0\tShADadFf\t24\t4190\t22\t5172\t-\n");
        await tailer.PollAsync(CancellationToken.None);

        var evidence = Assert.Single(await EvidenceAsync(Ip));
        Assert.Equal((3L, 2L, 0L, new DateOnly(2026, 12, 6)), (evidence.Connections, evidence.Probes, evidence.Alerts, evidence.Day));
        Assert.Equal(["198.51.100.10", "198.51.100.11"], evidence.Targets.Select(t => t.Ip).Order());
        var ingestion = await Seed.QueryAsync(fixture, db => db.IdsIngestions.SingleAsync(i => i.Id == evidence.Batch));
        Assert.Equal(("tail:zeek", (IdsFormat?)IdsFormat.ZeekTsv, 3L, 3L), (ingestion.Source, ingestion.Format, ingestion.Lines, ingestion.Connections));
        Assert.Equal(new FileInfo(path).Length, (await PositionAsync("zeek", path)).Offset);
    }

    [Fact]
    public async Task A_log_that_appears_later_in_a_watched_folder_is_followed_and_files_not_matching_are_not()
    {
        const string Ip = "203.0.113.26";
        const string Other = "203.0.113.27";
        File.WriteAllText(Path.Combine(fixture.Sensors, "notes.txt"), Eve(Other, "not matching the pattern", 41) + "\n");
        File.WriteAllText(Path.Combine(fixture.Sensors, "sensor-b.json"), Eve(Ip, "sensor b 1", 42, 1) + "\n" + Eve(Ip, "sensor b 2", 43, 2) + "\n");
        await WaitUntilAsync(async () => (await SignaturesAsync(Ip)).Length == 2, "the new sensor's lines");
        Append(Path.Combine(fixture.Sensors, "sensor-b.json"), Eve(Ip, "sensor b 3", 44, 3) + "\n");
        await WaitUntilAsync(async () => (await SignaturesAsync(Ip)).Length >= 3, "the appended line");
        await Task.Delay(800);

        Assert.Equal(["sensor b 1", "sensor b 2", "sensor b 3"], await SignaturesAsync(Ip));
        Assert.Empty(await SignaturesAsync(Other));
        var ingestions = await Seed.QueryAsync(fixture, db => db.IdsIngestions.Where(i => i.Source == "tail:sensors").ToListAsync());
        Assert.All(ingestions, i => Assert.Equal("sensor-b.json", i.FileName));
        Assert.Equal(3, (await EvidenceAsync(Ip)).Sum(e => e.Alerts));
    }

    [Fact]
    public async Task An_invalid_tailer_configuration_stops_the_Api_at_start_naming_each_setting()
    {
        await using var factory = fixture.CreateFactory(
        [
            new("Ids:Tailers:bad:Path", "relative/eve.json"),
            new("Ids:Tailers:bad:Format", "Bro"),
            new("Ids:Tailers:bad:PollInterval", "00:00:00.010"),
            new("Ids:Tailers:gone:Path", "/no/such/folder/eve.json"),
            new("Ids:Tailers:gone:SensorOffset", "+25:00"),
        ]);

        var error = Assert.ThrowsAny<Exception>(() => factory.Services).ToString();

        Assert.Contains("Ids:Tailers:bad:Path must be an absolute path (relative/eve.json is not).", error);
        Assert.Contains("Ids:Tailers:bad:Format must be one of SnortFast, SuricataFast, SuricataEve, ZeekTsv, ZeekJson, or left out to detect it (Bro is not).", error);
        Assert.Contains("Ids:Tailers:bad:PollInterval must be between 00:00:00.1 and 1.00:00:00.", error);
        Assert.Contains("Ids:Tailers:gone:Path: neither the file nor the folder /no/such/folder exists.", error);
        Assert.Contains("Ids:Tailers:gone:SensorOffset must be a UTC offset such as +01:00 or -05:30, between -14:00 and +14:00 (+25:00 is not).", error);
    }
}

public sealed class IdsTailerPostgreSqlTests(PostgreSqlIdsTailerFixture fixture) : IdsTailerTests(fixture), IClassFixture<PostgreSqlIdsTailerFixture>;

public sealed class IdsTailerSqliteTests(SqliteIdsTailerFixture fixture) : IdsTailerTests(fixture), IClassFixture<SqliteIdsTailerFixture>;
