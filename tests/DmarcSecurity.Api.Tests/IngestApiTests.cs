using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Api.Tests;

public abstract class IngestApiTests(ApiFixture fixture)
{
    private HttpClient Client => fixture.Client;

    private static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Uploaded_report_is_stored_and_read_back_with_its_records_and_raw_xml()
    {
        var id = NewId();
        var xml = ReportXml.Build(id, "stored.example", records: [new TestRecord("198.51.100.7", 12), new TestRecord("2001:db8::25", 3, "reject", "fail", "fail")]);

        var result = await Upload.FilesAsync(Client, ("google.com!stored.example!1.xml", xml));

        var file = Assert.Single(result.Files);
        Assert.Equal(FileOutcome.Stored, file.Outcome);
        Assert.Equal(2, file.Records);
        var reportId = Assert.Single(file.ReportIds);

        var report = await Upload.GetAsync<ReportDetailDto>(Client, $"/api/reports/{reportId}");
        Assert.Equal(id, report.Summary.ReportId);
        Assert.Equal("google.com", report.Summary.OrgName);
        Assert.Equal("stored.example", report.Policy.Domain);
        Assert.Equal("reject", report.Policy.P);
        Assert.Equal(15, report.Summary.MessageCount);
        Assert.Equal(["198.51.100.7", "2001:db8::25"], report.Records.Select(r => r.SourceIp).Order().ToArray());
        var failing = report.Records.Single(r => r.SourceIp == "2001:db8::25");
        Assert.Equal(("reject", "fail", "fail"), (failing.Disposition, failing.DkimPolicyResult, failing.SpfPolicyResult));

        var raw = await Client.GetByteArrayAsync($"/api/reports/{reportId}/xml");
        Assert.Equal(xml, raw);
    }

    [Fact]
    public async Task Same_bytes_twice_are_answered_as_duplicate_of_the_stored_report()
    {
        var xml = ReportXml.Build(NewId(), "dup.example");
        var first = await Upload.FilesAsync(Client, ("a.xml", xml));
        var second = await Upload.FilesAsync(Client, ("again.xml", xml));

        var stored = Assert.Single(first.Files);
        var duplicate = Assert.Single(second.Files);
        Assert.Equal(FileOutcome.Duplicate, duplicate.Outcome);
        Assert.Equal(stored.ReportIds, duplicate.DuplicateOfReportIds);
        Assert.Empty(duplicate.ReportIds);
    }

    [Fact]
    public async Task Same_report_in_a_different_container_is_a_duplicate_and_not_stored_twice()
    {
        var id = NewId();
        var xml = ReportXml.Build(id, "dup2.example");
        var first = await Upload.FilesAsync(Client, ("a.xml", xml));
        var second = await Upload.FilesAsync(Client, ("a.xml.gz", ReportXml.Gzip(xml)));

        Assert.Equal(FileOutcome.Duplicate, second.Files[0].Outcome);
        Assert.Equal(first.Files[0].ReportIds, second.Files[0].DuplicateOfReportIds);
        var list = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(Client, "/api/reports?domain=dup2.example");
        Assert.Equal(1, list.TotalCount);
    }

    [Fact]
    public async Task Hostile_files_are_rejected_with_their_reason_and_the_rest_of_the_batch_lands()
    {
        var xxe = Encoding.UTF8.GetBytes("""<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]><feedback>&x;</feedback>""");
        var good1 = ReportXml.Build(NewId(), "batch.example");
        var good2 = ReportXml.Gzip(ReportXml.Build(NewId(), "batch.example"));

        var result = await Upload.FilesAsync(Client,
            ("one.xml", good1), ("xxe.xml", xxe), ("empty.xml", []), ("unused.txt", "unused"u8.ToArray()), ("two.xml.gz", good2));

        Assert.Equal((2, 0, 3), (result.Stored, result.Duplicates, result.Rejected));
        Assert.Equal(RejectionReason.DtdProhibited, result.Files[1].Reason);
        Assert.Equal(RejectionReason.EmptyInput, result.Files[2].Reason);
        Assert.Equal(RejectionReason.NotAReport, result.Files[3].Reason);
        Assert.All(result.Files.Where(f => f.Outcome == FileOutcome.Rejected), f => Assert.False(string.IsNullOrWhiteSpace(f.Error)));
        Assert.DoesNotContain("passwd", JsonSerializer.Serialize(result, Upload.Json).Replace("/etc/passwd", ""));
    }

    [Fact]
    public async Task Upload_of_200_files_with_10_hostile_stores_190_and_rejects_10_with_bounded_memory()
    {
        var files = new List<(string, byte[])>();
        var hostile = new Dictionary<int, RejectionReason>();
        for (var i = 0; i < 200; i++)
        {
            if (i % 20 == 7)
            {
                var (bytes, reason) = HostileFile(hostile.Count);
                hostile[i] = reason;
                files.Add(($"hostile-{i}.bin", bytes));
                continue;
            }

            var records = Enumerable.Range(0, 50).Select(r => new TestRecord($"10.{i}.{r / 250}.{r % 250 + 1}", r + 1)).ToArray();
            var xml = ReportXml.Build(NewId(), "bulk.example", records: records);
            files.Add(($"r{i}.xml{(i % 2 == 0 ? ".gz" : "")}", i % 2 == 0 ? ReportXml.Gzip(xml) : xml));
        }

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var before = process.WorkingSet64;
        var result = await Upload.FilesAsync(Client, files.ToArray());
        process.Refresh();
        var peakGrowth = process.PeakWorkingSet64 - before;

        Assert.Equal(190, result.Stored);
        Assert.Equal(10, result.Rejected);
        foreach (var (index, reason) in hostile)
        {
            Assert.Equal(reason, result.Files[index].Reason);
        }

        Assert.Equal(190 * 50, result.Files.Sum(f => f.Records));
        // The gzip bomb alone would inflate to 1 GB; spooling and capped unpacking keep the peak far below that.
        Assert.True(peakGrowth < 600L * 1024 * 1024, $"peak working set grew by {peakGrowth / (1024 * 1024)} MB");
    }

    [Fact]
    public async Task Upload_over_the_total_size_limit_is_answered_413_and_stores_nothing()
    {
        var big = new byte[ApiFixture.MaxUploadBytes / 2 + 1024];
        Random.Shared.NextBytes(big);
        var small = ReportXml.Build(NewId(), "toolarge.example");

        using var response = await Client.PostAsync("/api/ingest/files",
            Upload.Content(("small.xml", small), ("big1.bin", big), ("big2.bin", big)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var list = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(Client, "/api/reports?domain=toolarge.example");
        Assert.Equal(0, list.TotalCount);
    }

    [Fact]
    public async Task Upload_without_files_or_with_too_many_is_a_validation_problem()
    {
        using var none = await Client.PostAsync("/api/ingest/files", new MultipartFormDataContent { { new StringContent("x"), "note" } });
        var tooMany = Enumerable.Range(0, 201).Select(i => ($"f{i}.xml", new byte[] { (byte)'<' })).ToArray();
        using var many = await Client.PostAsync("/api/ingest/files", Upload.Content(tooMany));

        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Contains("no file", await none.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);
        Assert.Contains("at most 200", await many.Content.ReadAsStringAsync());
    }

    private static (byte[] Bytes, RejectionReason Reason) HostileFile(int n) => (n % 10) switch
    {
        0 => (Encoding.UTF8.GetBytes("""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><feedback>&lol2;</feedback>"""), RejectionReason.DtdProhibited),
        1 => (GzipBomb(), RejectionReason.CompressionRatioExceeded),
        2 => ([], RejectionReason.EmptyInput),
        3 => ("unused"u8.ToArray(), RejectionReason.NotAReport),
        4 => (ReportXml.Build("trunc")[..400], RejectionReason.Truncated),
        5 => (Junk(), RejectionReason.UnrecognisedContent),
        6 => (ZipWithEntry("../../etc/cron.d/x.xml", ReportXml.Build("trav")), RejectionReason.UnsafeEntryName),
        7 => (ReportXml.Gzip(ReportXml.Build("t2"))[..60], RejectionReason.Truncated),
        8 => (Encoding.UTF8.GetBytes("<html><body>not a report</body></html>"), RejectionReason.NotAReport),
        _ => (Encoding.UTF8.GetBytes("<feedback><report_metadata><org_name>x</org_name"), RejectionReason.Truncated),
    };

    private static byte[] GzipBomb()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 256; i++)
            {
                gzip.Write(zeros);
            }
        }

        return output.ToArray();
    }

    private static byte[] Junk()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        bytes[0] = 0x00;
        return bytes;
    }

    private static byte[] ZipWithEntry(string name, byte[] content)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry(name).Open();
            entry.Write(content);
        }

        return output.ToArray();
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class IngestApiPostgreSqlTests(PostgreSqlApiFixture fixture) : IngestApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class IngestApiSqliteTests(SqliteApiFixture fixture) : IngestApiTests(fixture), IClassFixture<SqliteApiFixture>;
