using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Api.Grains;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Api.Tests;

/// <summary>IDS logs by upload: what is read, stored, refused and passed on to the source-IP grains.</summary>
public abstract class IdsIngestApiTests(ApiFixture fixture)
{
    private HttpClient Client => fixture.Client;

    private static string Eve(string source, string destination, int severity, string signature, int sid, string time = "2026-12-01T10:00:00.000000+0000") =>
        $$$"""{"timestamp":"{{{time}}}","flow_id":1,"in_iface":"eth0","event_type":"alert","src_ip":"{{{source}}}","src_port":51234,"dest_ip":"{{{destination}}}","dest_port":443,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":{{{sid}}},"rev":3,"signature":"{{{signature}}}","category":"Attempted Administrator Privilege Gain","severity":{{{severity}}}}}""";
    private static async Task<IdsIngestResponse> UploadAsync(HttpClient client, string query, params (string Name, byte[] Bytes)[] files)
    {
        using var response = await client.PostAsync("/api/ingest/ids" + query, Upload.Content(files));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<IdsIngestResponse>(body, Upload.Json)!;
    }

    private static int s_lastIp;

    /// <summary>Another address for each call (the tests of a class share a database: a random one could repeat).</summary>
    private static string UniqueIp() => $"203.0.113.{(Interlocked.Increment(ref s_lastIp) % 254) + 1}";

    [Fact]
    public async Task An_EVE_log_is_read_its_alerts_stored_and_each_source_gets_one_evidence_event_per_day()
    {
        var attacker = UniqueIp();
        var other = $"2001:db8::{Random.Shared.Next(1, 0xffff):x}";
        var log = string.Join('\n',
            Eve(attacker, "198.51.100.10", 1, "ET EXPLOIT Apache Struts RCE", 2024217),
            Eve(attacker, "198.51.100.11", 2, "ET SCAN Nmap Scripting Engine", 2009358, "2026-12-01T11:30:00.000000+0000"),
            $$"""{"timestamp":"2026-12-01T10:00:01.000000+0000","event_type":"flow","src_ip":"{{attacker}}","dest_ip":"198.51.100.10","proto":"TCP"}""",
            Eve(other, "198.51.100.10", 3, "ET POLICY curl User-Agent", 2013028),
            "{not json at all",
            "") + Guid.NewGuid().ToString("N");

        var response = await UploadAsync(Client, "", ("eve.json", Encoding.UTF8.GetBytes(log)));

        var file = Assert.Single(response.Files);
        Assert.Equal((1, FileOutcome.Stored, IdsFormat.SuricataEve), (response.Stored, file.Outcome, file.Format));
        Assert.Equal((3L, 3L, 0L, 2), (file.Events, file.Alerts, file.Connections, file.Sources));
        Assert.Equal(2, file.Unreadable);
        Assert.Equal(1, Assert.Single(file.Skipped, s => s.Key.Contains("flow", StringComparison.Ordinal)).Value);
        Assert.Equal([5L, 6L], file.Errors.Select(e => e.Line));

        var inbox = await Seed.InboxAsync(fixture, GrainTypes.SourceIp, attacker, GrainEventTypes.IdsEvidence);
        var evidence = JsonSerializer.Deserialize(Assert.Single(inbox).Payload, GrainEventJson.Default.IdsEvidenceEvent)!;
        Assert.Equal((file.Id, new DateOnly(2026, 12, 1), 2L, (int?)1, 2L, 2), (evidence.Batch, evidence.Day, evidence.Alerts, evidence.TopPriority, evidence.TargetHits, evidence.DistinctTargets));
        Assert.Equal(
            (new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 11, 30, 0, TimeSpan.Zero)),
            (evidence.First, evidence.Last));
        Assert.Equal(["1:2009358:3", "1:2024217:3"], evidence.Signatures.Select(s => s.SignatureId).Order());

        var source = await Upload.GetAsync<SourceDto>(Client, $"/api/sources/{attacker}");
        Assert.Equal(2, source.IdsAlertCount);
        var newest = source.IdsAlerts[0];
        Assert.Equal(
            (IdsEventKind.Alert, IdsSensor.Suricata, "ET SCAN Nmap Scripting Engine", "1:2009358:3", (int?)2, "198.51.100.11", (int?)443, "TCP", "allowed"),
            (newest.Kind, newest.Sensor, newest.Signature, newest.SignatureId, newest.Priority, newest.DestinationIp, newest.DestinationPort, newest.Protocol, newest.Action));
        Assert.Equal("Attempted Administrator Privilege Gain", source.IdsAlerts[1].Classification);
    }

    [Fact]
    public async Task The_same_log_twice_is_a_duplicate_and_adds_no_evidence()
    {
        var attacker = UniqueIp();
        var bytes = Encoding.UTF8.GetBytes(Eve(attacker, "198.51.100.10", 1, $"ET TEST {Guid.NewGuid():N}", 1) + "\n");

        await UploadAsync(Client, "", ("first.json", bytes));
        var again = await UploadAsync(Client, "", ("again.json", bytes));

        var file = Assert.Single(again.Files);
        Assert.Equal((1, FileOutcome.Duplicate, 0L), (again.Duplicates, file.Outcome, file.Alerts));
        Assert.Contains("stored before", file.Error, StringComparison.Ordinal);
        Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, attacker, GrainEventTypes.IdsEvidence));
    }

    [Fact]
    public async Task A_file_that_is_no_IDS_log_is_rejected_with_the_reason_and_kept_in_the_list()
    {
        var name = $"notes-{Guid.NewGuid():N}.txt";
        var response = await UploadAsync(Client, "", (name, Encoding.UTF8.GetBytes("Dear team,\nplease find the minutes attached.\n")));

        var file = Assert.Single(response.Files);
        Assert.Equal((1, FileOutcome.Rejected, (IdsFormat?)null), (response.Rejected, file.Outcome, file.Format));
        Assert.Contains("not a Snort, Suricata or Zeek log", file.Error, StringComparison.Ordinal);
        var list = await Upload.GetAsync<PagedResult<IdsIngestionDto>>(Client, "/api/ingest/ids?pageSize=200");
        Assert.Equal(file.Error, Assert.Single(list.Items, i => i.FileName == name).Error);
    }

    [Fact]
    public async Task A_gzip_bomb_is_refused_without_taking_anything_from_it()
    {
        var attacker = UniqueIp();
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var line = Encoding.UTF8.GetBytes(Eve(attacker, "198.51.100.10", 1, "ET BOMB", 7) + "\n");
            gzip.Write(line);
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 1100; i++)
            {
                gzip.Write(zeros);
            }
        }

        var response = await UploadAsync(Client, "", ("bomb.json.gz", packed.ToArray()));

        var file = Assert.Single(response.Files);
        Assert.Equal(FileOutcome.Rejected, file.Outcome);
        Assert.False(string.IsNullOrEmpty(file.Error));
        Assert.Empty(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, attacker, GrainEventTypes.IdsEvidence));
        Assert.Equal(0, await Seed.QueryAsync(fixture, db => Task.FromResult(db.IdsAlerts.Count(a => a.SourceIp == attacker))));
    }

    [Fact]
    public async Task A_named_format_reads_a_Zeek_conn_log_whose_unanswered_attempts_are_probes()
    {
        var scanner = UniqueIp();
        var log = $"""
            #separator \x09
            #set_separator	,
            #empty_field	(empty)
            #unset_field	-
            #path	conn
            #fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state
            #types	time	string	addr	port	addr	port	enum	string	interval	count	count	string
            1764583200.000000	C1	{scanner}	40000	198.51.100.10	22	tcp	-	-	-	-	S0
            1764583201.000000	C2	{scanner}	40001	198.51.100.11	22	tcp	-	-	-	-	REJ
            1764583202.000000	C3	{scanner}	40002	198.51.100.12	443	tcp	ssl	1.5	500	4000	SF
            """.Replace("\r", "", StringComparison.Ordinal) + $"\n#close\t{Guid.NewGuid():N}\n";

        var response = await UploadAsync(Client, "?format=zeektsv", ("conn.log", Encoding.UTF8.GetBytes(log)));

        var file = Assert.Single(response.Files);
        Assert.Equal((FileOutcome.Stored, IdsFormat.ZeekTsv, 3L, 0L), (file.Outcome, file.Format, file.Connections, file.Alerts));
        var evidence = JsonSerializer.Deserialize(
            Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, scanner, GrainEventTypes.IdsEvidence)).Payload,
            GrainEventJson.Default.IdsEvidenceEvent)!;
        Assert.Equal((0L, 2L, 3L, 2L), (evidence.Alerts, evidence.Probes, evidence.Connections, evidence.TargetHits));
    }

    [Fact]
    public async Task An_unknown_format_name_is_a_validation_problem()
    {
        using var response = await Client.PostAsync("/api/ingest/ids?format=pcap", Upload.Content(("x.log", [1, 2, 3])));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("SuricataEve", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class IdsIngestApiPostgreSqlTests(PostgreSqlApiFixture fixture) : IdsIngestApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class IdsIngestApiSqliteTests(SqliteApiFixture fixture) : IdsIngestApiTests(fixture), IClassFixture<SqliteApiFixture>;
