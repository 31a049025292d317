using System.Diagnostics;
using System.IO.Compression;
using DmarcSecurity.Api.Folders;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Tests.Mailboxes;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests.Folders;

/// <summary>The Api with a plain watched folder and a Maildir, each read every 200 ms, and a folder read hourly.</summary>
public sealed class WatchedFolderFixture : ApiFixture
{
    public WatchedFolderFixture()
    {
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(Maildir, sub));
        }
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("dmarc-drop-").FullName;

    public string Maildir { get; } = Directory.CreateTempSubdirectory("dmarc-maildir-").FullName;

    public string Hourly { get; } = Directory.CreateTempSubdirectory("dmarc-hourly-").FullName;

    public override DbProvider Provider => DbProvider.PostgreSql;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Ingestion:Folders:drop:Path", Folder),
        new("Ingestion:Folders:drop:PollInterval", "00:00:00.200"),
        new("Ingestion:Folders:drop:SettleTime", "00:00:00"),
        new("Ingestion:Folders:maildir:Path", Maildir),
        new("Ingestion:Folders:maildir:PollInterval", "00:00:00.200"),
        new("Ingestion:Folders:maildir:SettleTime", "00:00:00"),
        new("Ingestion:Folders:hourly:Path", Hourly),
        new("Ingestion:Folders:hourly:PollInterval", "01:00:00"),
        new("Ingestion:Folders:hourly:SettleTime", "00:00:00"),
    ];
}

public sealed class WatchedFolderTests(WatchedFolderFixture fixture) : IClassFixture<WatchedFolderFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N")[..12];

    private static async Task WaitForFileAsync(string path)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{path} did not appear");
            await Task.Delay(50);
        }
    }

    /// <summary>Writes under a dot name first and renames, as a mail or file transfer agent delivers.</summary>
    private static void Drop(string folder, string name, byte[] content)
    {
        var temporary = Path.Combine(folder, "." + name);
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, Path.Combine(folder, name));
    }

    private async Task<PagedResult<IngestionHistoryDto>> HistoryAsync(string fileName) =>
        await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(fixture.Client, $"/api/ingestion/history?fileName={fileName}&sort=fileName");

    [Fact]
    public async Task Each_folder_is_a_job_whose_polls_are_recorded_and_running_it_now_ends_the_wait()
    {
        var jobs = await Upload.GetAsync<List<Jobs.JobDto>>(fixture.Client, "/api/jobs");
        var hourly = Assert.Single(jobs, j => j.Name == "folder:hourly");
        Assert.Equal(("Loop", TimeSpan.FromHours(1)), (hourly.Kind, hourly.Interval));
        Assert.Contains(fixture.Hourly, hourly.Description, StringComparison.Ordinal);

        // The first poll ran at start; a file dropped now waits an hour, unless the job is run now.
        await WaitForAsync(async () => (await Upload.GetAsync<List<Jobs.JobDto>>(fixture.Client, "/api/jobs"))
            .Count(j => j.Name is "folder:hourly" or "folder:drop" && j.LastRun is { Outcome: Data.Jobs.JobOutcome.Succeeded }) == 2);
        var run = NewId();
        Drop(fixture.Hourly, $"{run}.xml", ReportXml.Build($"hourly-{run}", "folder.example"));
        Drop(fixture.Hourly, $"{run}-junk.txt", "not a report"u8.ToArray());
        await Task.Delay(500);
        Assert.True(File.Exists(Path.Combine(fixture.Hourly, $"{run}.xml")));

        using var response = await fixture.Client.PostAsync("/api/jobs/folder:hourly/run", null);
        var done = System.Text.Json.JsonSerializer.Deserialize<Jobs.JobRunDto>(await response.Content.ReadAsStringAsync(), Upload.Json)!;

        Assert.Equal((Data.Jobs.JobOutcome.Succeeded, $"manual:{ApiFixture.AdminEmail}"), (done.Outcome, done.Trigger));
        Assert.Equal("1 file(s) to processed/, 1 to invalid/, 0 left for the next poll, 0 still being written.", done.Summary);
        Assert.True(File.Exists(Path.Combine(fixture.Hourly, WatchedFolderReader.ProcessedFolder, $"{run}.xml")));
        Assert.True(File.Exists(Path.Combine(fixture.Hourly, WatchedFolderReader.InvalidFolder, $"{run}-junk.txt")));
        var runs = await Upload.GetAsync<PagedResult<Jobs.JobRunDto>>(fixture.Client, "/api/jobs/folder:hourly/runs");
        Assert.Equal(done.Id, runs.Items[0].Id);
        Assert.Equal("schedule", runs.Items[^1].Trigger);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the condition did not hold within 30 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Dropped_files_are_ingested_then_moved_to_processed_or_invalid_with_the_reason_logged()
    {
        var run = NewId();
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("r.xml").Open();
            entry.Write(ReportXml.Build($"zip-{run}", "folder.example"));
        }

        using var eml = new MemoryStream();
        await ReportMail.WithAttachments("report", ("r.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build($"eml-{run}", "folder.example")))).WriteToAsync(eml);

        Drop(fixture.Folder, $"{run}-a.xml.gz", ReportXml.Gzip(ReportXml.Build($"gz-{run}", "folder.example")));
        Drop(fixture.Folder, $"{run}-b.zip", zip.ToArray());
        Drop(fixture.Folder, $"{run}-c.eml", eml.ToArray());
        Drop(fixture.Folder, $"{run}-d.txt", "unused"u8.ToArray());

        foreach (var name in new[] { $"{run}-a.xml.gz", $"{run}-b.zip", $"{run}-c.eml" })
        {
            await WaitForFileAsync(Path.Combine(fixture.Folder, WatchedFolderReader.ProcessedFolder, name));
        }

        await WaitForFileAsync(Path.Combine(fixture.Folder, WatchedFolderReader.InvalidFolder, $"{run}-d.txt"));
        Assert.Empty(Directory.EnumerateFiles(fixture.Folder, $"{run}-*"));
        var history = await HistoryAsync(run);
        Assert.Equal(
            [("folder:drop", FileOutcome.Stored), ("folder:drop", FileOutcome.Stored), ("folder:drop", FileOutcome.Stored), ("folder:drop", FileOutcome.Rejected)],
            history.Items.Select(h => (h.Source, h.Outcome)).ToArray());
        Assert.Equal(3, history.Items.Sum(h => h.ReportIds.Count));
        Assert.Contains(fixture.Logs.Lines, l => l.Contains($"Folder drop: {run}-d.txt moved to invalid/: NotAReport", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dropped_tls_reports_as_json_gzip_and_report_mail_are_stored_and_moved_to_processed()
    {
        var run = NewId();
        var domain = $"tls-{run}.example";
        var begin = new DateTimeOffset(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
        using var eml = new MemoryStream();
        await ReportMail.WithAttachments($"Report Domain: {domain}", ($"microsoft.com!{domain}!1!2.json.gz", "application/tlsrpt+gzip",
            TlsReportJson.Gzip(TlsReportJson.Build($"eml-{run}", begin, "Microsoft Corporation", new TlsPolicy(domain, 30))))).WriteToAsync(eml);

        Drop(fixture.Folder, $"{run}-a.json", TlsReportJson.Build($"json-{run}", begin, "Google Inc.", new TlsPolicy(domain, 10,
            "sts", new TlsFailure("certificate-host-mismatch", "209.85.220.41", $"mx1.{domain}", 2))));
        Drop(fixture.Folder, $"{run}-b.json.gz", TlsReportJson.Gzip(TlsReportJson.Build($"gz-{run}", begin, "Yahoo", new TlsPolicy(domain, 20))));
        Drop(fixture.Folder, $"{run}-c.eml", eml.ToArray());
        Drop(fixture.Folder, $"{run}-d.json", "{\"organization-name\":\"x\",\"policies\":7}"u8.ToArray());

        foreach (var name in new[] { $"{run}-a.json", $"{run}-b.json.gz", $"{run}-c.eml" })
        {
            await WaitForFileAsync(Path.Combine(fixture.Folder, WatchedFolderReader.ProcessedFolder, name));
        }

        await WaitForFileAsync(Path.Combine(fixture.Folder, WatchedFolderReader.InvalidFolder, $"{run}-d.json"));
        var history = await HistoryAsync(run);
        Assert.Equal(
            [(FileOutcome.Stored, 1), (FileOutcome.Stored, 1), (FileOutcome.Stored, 1), (FileOutcome.Rejected, 0)],
            history.Items.Select(h => (h.Outcome, h.TlsReportIds.Count)).ToArray());
        Assert.Equal(Core.Ingestion.RejectionReason.InvalidReportField, history.Items[3].Reason);
        var summary = await Upload.GetAsync<List<TlsReports.TlsDomainSummaryDto>>(fixture.Client, $"/api/tls-reports/summary?domain={domain}");
        Assert.Equal((3, 60L, 2L), (summary[0].Reports, summary[0].SuccessfulSessions, summary[0].FailedSessions));
        Assert.Contains(fixture.Logs.Lines, l => l.Contains($"Folder drop: {run}-d.json moved to invalid/: InvalidReportField", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dropped_failure_reports_are_stored_and_a_malformed_one_moved_to_invalid()
    {
        var run = NewId();
        var domain = $"ruf-{run}.example";
        var arrival = new DateTimeOffset(2026, 11, 12, 8, 0, 0, TimeSpan.Zero);
        Drop(fixture.Folder, $"{run}-a.eml", FailureReportEml.Build("dmarc-noreply@receiver.example", "198.51.100.77", domain, $"a-{run}@x.invalid", arrival));
        Drop(fixture.Folder, $"{run}-b.eml", FailureReportEml.Build("dmarc-noreply@receiver.example", "not-an-address", domain, $"b-{run}@x.invalid", arrival));

        await WaitForFileAsync(Path.Combine(fixture.Folder, WatchedFolderReader.ProcessedFolder, $"{run}-a.eml"));
        await WaitForFileAsync(Path.Combine(fixture.Folder, WatchedFolderReader.InvalidFolder, $"{run}-b.eml"));

        var history = await HistoryAsync(run);
        Assert.Equal([(FileOutcome.Stored, 1), (FileOutcome.Rejected, 0)], history.Items.Select(h => (h.Outcome, h.FailureReportIds.Count)).ToArray());
        Assert.Equal($"{run}-b.eml: The failure report's Source-IP \"not-an-address\" is not an IP address.", history.Items[1].Error);
        var list = await Upload.GetAsync<PagedResult<FailureReports.FailureReportSummaryDto>>(fixture.Client, $"/api/failure-reports?domain={domain}");
        Assert.Equal("198.51.100.77", Assert.Single(list.Items).SourceIp);
    }

    [Fact]
    public async Task The_same_bytes_dropped_twice_are_stored_once_and_both_copies_processed()
    {
        var run = NewId();
        var content = ReportXml.Gzip(ReportXml.Build($"twice-{run}", "folder.example"));
        Drop(fixture.Folder, $"{run}.xml.gz", content);
        var processed = Path.Combine(fixture.Folder, WatchedFolderReader.ProcessedFolder, $"{run}.xml.gz");
        await WaitForFileAsync(processed);

        Drop(fixture.Folder, $"{run}.xml.gz", content);
        var clock = Stopwatch.StartNew();
        while (File.Exists(Path.Combine(fixture.Folder, $"{run}.xml.gz")))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the second copy was not processed");
            await Task.Delay(50);
        }

        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(fixture.Folder, WatchedFolderReader.ProcessedFolder), $"{run}*").Count());
        var history = await HistoryAsync(run);
        Assert.Equal([FileOutcome.Stored, FileOutcome.Duplicate], history.Items.Select(h => h.Outcome).Order().ToArray());
        var stored = history.Items.Single(h => h.Outcome == FileOutcome.Stored).ReportIds;
        Assert.Equal(stored, history.Items.Single(h => h.Outcome == FileOutcome.Duplicate).DuplicateOfReportIds);
    }

    [Fact]
    public async Task Maildir_message_delivered_to_new_is_ingested_and_moved_to_processed()
    {
        var run = NewId();
        using var eml = new MemoryStream();
        await ReportMail.WithAttachments($"maildir {run}", ("r.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build($"maildir-{run}", "maildir.example")))).WriteToAsync(eml);
        var name = $"1733500000.{run}.host";
        File.WriteAllBytes(Path.Combine(fixture.Maildir, "tmp", name), eml.ToArray());
        File.Move(Path.Combine(fixture.Maildir, "tmp", name), Path.Combine(fixture.Maildir, "new", name));

        await WaitForFileAsync(Path.Combine(fixture.Maildir, WatchedFolderReader.ProcessedFolder, name));

        var entry = Assert.Single((await HistoryAsync(run)).Items);
        Assert.Equal(("folder:maildir", FileOutcome.Stored, Path.Combine("new", name)), (entry.Source, entry.Outcome, entry.FileName));
        Assert.Single(entry.ReportIds);
    }

    [Fact]
    public void Folder_that_does_not_exist_is_refused_at_start_with_the_setting_named()
    {
        var options = new IngestionOptions { Folders = { ["drop"] = new WatchedFolderOptions { Path = "/no/such/folder" } } };

        var result = new WatchedFolderOptionsValidator().Validate(null, options);

        Assert.Contains("Ingestion:Folders:drop:Path: the folder /no/such/folder does not exist.", result.Failures ?? []);
    }
}
