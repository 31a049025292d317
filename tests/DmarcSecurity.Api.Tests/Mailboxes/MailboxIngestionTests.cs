using System.Diagnostics;
using System.IO.Compression;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Api.Mailboxes;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DmarcSecurity.Api.Tests.Mailboxes;

/// <summary>The Api reading a real Dovecot mailbox (each test its own server, account, Api and database).</summary>
public sealed class MailboxIngestionTests(ITestOutputHelper output)
{
    private const string User = "dmarc";
    private const string Password = "Imap-Secret-7f3a9c";

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static byte[] Zip(string name, byte[] content)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry(name).Open();
            entry.Write(content);
        }

        return stream.ToArray();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < timeout, $"timed out after {timeout}: {describe()}");
            await Task.Delay(100);
        }
    }

    private static MailboxStatus Status(MailboxHost api) =>
        api.Factory.Services.GetRequiredService<MailboxStatusBoard>().Find("rua") ?? throw new InvalidOperationException("no status");

    [Fact]
    public async Task Gzip_zip_and_inline_xml_reports_are_stored_and_their_messages_archived()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using (var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password))
        {
            await mailbox.AppendAsync(
                ReportMail.WithAttachments("gzip", ("google.com!gz.example!1.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build("gz-" + NewId(), "gz.example")))),
                ReportMail.WithAttachments("zip", ("google.com!zip.example!1.zip", "application/zip", Zip("r.xml", ReportXml.Build("zip-" + NewId(), "zip.example")))),
                ReportMail.InlineXml("inline", ReportXml.Build("inline-" + NewId(), "inline.example")),
                ReportMail.WithAttachments(
                    "several",
                    ("a.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build("several-a-" + NewId(), "several.example"))),
                    ("b.xml", "text/xml", ReportXml.Build("several-b-" + NewId(), "several.example")),
                    ("c.zip", "application/zip", Zip("c.xml", ReportXml.Build("several-c-" + NewId(), "several.example")))));
        }

        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, Password);
        await using var check = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await WaitUntilAsync(async () => await check.CountAsync("Archive") == 4, TimeSpan.FromSeconds(60), () => api.Logs.All);

        Assert.Equal(0, await check.CountAsync("INBOX"));
        Assert.Equal(0, await check.CountAsync("Invalid"));
        Assert.Equal(["gzip", "inline", "several", "zip"], await check.SubjectsAsync("Archive"));
        Assert.Equal(6, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'gz.example'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'zip.example'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'inline.example'"));
        Assert.Equal(3, await api.ScalarAsync("SELECT count(*) FROM reports r JOIN ingested_files f ON f.id = r.file_id WHERE r.policy_domain = 'several.example' AND f.file_name = 'several'"));
        Assert.Equal(4, await api.ScalarAsync("SELECT count(*) FROM ingested_files WHERE source = 'imap:rua' AND outcome = 'Stored'"));
        Assert.Equal(4, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'imap:rua' AND outcome = 'Stored'"));
        var status = Status(api);
        Assert.Equal((4, 4, 0), (status.MessagesSeen, status.MessagesArchived, status.MessagesInvalid));
        Assert.True(status.Idle);
        Assert.NotNull(status.LastPollAt);
        Assert.DoesNotContain(Password, api.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_report_mail_is_stored_as_a_tls_report_and_archived()
    {
        var id = NewId();
        var json = TlsReportJson.Build("tls-" + id, new DateTimeOffset(2026, 11, 12, 0, 0, 0, TimeSpan.Zero), "Google Inc.",
            new TlsPolicy("tls.example", 120, "sts", new TlsFailure("starttls-not-supported", "209.85.220.41", "mx1.tls.example", 4)));
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using (var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password))
        {
            // RFC 8460 section 5.3: the report goes as application/tlsrpt+gzip, named sender!domain!begin!end!id.json.gz.
            await mailbox.AppendAsync(ReportMail.WithAttachments(
                "Report Domain: tls.example Submitter: google.com Report-ID: <" + id + ">",
                ("google.com!tls.example!1794441600!1794527999!001.json.gz", "application/tlsrpt+gzip", TlsReportJson.Gzip(json))));
        }

        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, Password);
        await using var check = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await WaitUntilAsync(async () => await check.CountAsync("Archive") == 1, TimeSpan.FromSeconds(60), () => api.Logs.All);

        Assert.Equal(0, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(124, await api.ScalarAsync("SELECT successful_session_count + failed_session_count FROM tls_reports WHERE org_name = 'Google Inc.'"));
        Assert.Equal(4, await api.ScalarAsync("SELECT failed_session_count FROM tls_failure_details WHERE result_type = 'starttls-not-supported'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'imap:rua' AND outcome = 'Stored' AND tls_report_ids <> ''"));
    }

    [Fact]
    public async Task Failure_report_mail_is_itself_the_report_and_is_stored_and_archived()
    {
        var id = NewId();
        var eml = FailureReportEml.Build("dmarc-noreply@receiver.example", "192.0.2.77", "ruf.example", $"{id}@spoofer.invalid",
            new DateTimeOffset(2026, 11, 12, 8, 0, 0, TimeSpan.Zero), body: "private text");
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using (var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password))
        {
            await mailbox.AppendAsync(MimeKit.MimeMessage.Load(new MemoryStream(eml)));
        }

        await using var api = await MailboxHost.StartAsync("ruf", server.Port, User, Password);
        await using var check = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await WaitUntilAsync(async () => await check.CountAsync("Archive") == 1, TimeSpan.FromSeconds(60), () => api.Logs.All);

        Assert.Equal(0, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(1, await api.ScalarAsync($"SELECT count(*) FROM failure_reports WHERE source_ip = '192.0.2.77' AND original_message_id = '{id}@spoofer.invalid' AND original_body IS NULL"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM grain_inbox WHERE event_type = 'dmarc.failure' AND grain_key = '192.0.2.77'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'imap:ruf' AND outcome = 'Stored' AND failure_report_ids <> ''"));
    }

    [Fact]
    public async Task Non_report_and_hostile_messages_go_to_the_invalid_folder_with_the_reason_logged()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using (var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password))
        {
            using var bomb = new MemoryStream();
            using (var gzip = new GZipStream(bomb, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(new byte[64 * 1024 * 1024]);
            }

            await mailbox.AppendAsync(
                ReportMail.Text("lunch on friday?", "Shall we meet at noon?"),
                ReportMail.WithAttachments("bomb", ("google.com!bomb.example!1.xml.gz", "application/gzip", bomb.ToArray())),
                ReportMail.WithAttachments("good", ("r.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build("good-" + NewId(), "good.example")))));
        }

        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, Password);
        await using var check = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await WaitUntilAsync(async () => await check.CountAsync("Invalid") == 2 && await check.CountAsync("Archive") == 1, TimeSpan.FromSeconds(60), () => api.Logs.All);

        Assert.Equal(["bomb", "lunch on friday?"], await check.SubjectsAsync("Invalid"));
        Assert.Equal(0, await check.CountAsync("INBOX"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Contains(api.Logs.Lines, l => l.Contains("(lunch on friday?) moved to the invalid folder: NoReportFound", StringComparison.Ordinal));
        Assert.Contains(api.Logs.Lines, l => l.Contains("(bomb) moved to the invalid folder: CompressionRatioExceeded", StringComparison.Ordinal));
        Assert.Equal(2, await api.ScalarAsync("SELECT count(*) FROM ingested_files WHERE source = 'imap:rua' AND outcome = 'Rejected'"));
        Assert.Equal((3, 1, 2), (Status(api).MessagesSeen, Status(api).MessagesArchived, Status(api).MessagesInvalid));
    }

    [Fact]
    public async Task Connection_dropped_in_the_middle_of_a_message_loses_nothing_and_stores_nothing_twice()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using var proxy = new TcpProxy(server.Port);
        var large = ReportXml.Build("large-" + NewId(), "large.example", records: [.. Enumerable.Range(0, 3000).Select(i => new TestRecord($"198.51.{i / 250}.{i % 250}", i + 1))]);
        await using (var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password))
        {
            await mailbox.AppendAsync(
                ReportMail.WithAttachments("large", ("large.xml", "text/xml", large)),
                ReportMail.WithAttachments("small", ("small.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build("small-" + NewId(), "small.example")))));
        }

        // Cut the first connection to carry another 200 KB from the server: in the middle of the large message.
        proxy.DropAfterServerBytes(200_000);
        Assert.True(large.Length > 1_000_000, $"the large report is only {large.Length} bytes");
        await using var api = await MailboxHost.StartAsync("rua", proxy.Port, User, Password);
        await using var check = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await WaitUntilAsync(async () => await check.CountAsync("Archive") == 2, TimeSpan.FromSeconds(60), () => api.Logs.All);

        Assert.Equal(1, proxy.Drops);
        Assert.Equal(0, await check.CountAsync("INBOX"));
        Assert.Equal(2, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(3000, await api.ScalarAsync("SELECT count(*) FROM records r JOIN reports p ON p.id = r.report_id WHERE p.policy_domain = 'large.example'"));
        var status = Status(api);
        Assert.True(status.Errors >= 1, "the lost connection was not counted");
        Assert.Contains(api.Logs.Lines, l => l.Contains("failed or was lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_restarted_while_reading_loses_nothing_and_stores_nothing_twice()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using (var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password))
        {
            await mailbox.AppendAsync([.. Enumerable.Range(0, 80).Select(i =>
                ReportMail.WithAttachments($"report {i}", ($"r{i}.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build($"restart-{i}-{NewId()}", "restart.example")))))]);
        }

        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, Password);
        await WaitUntilAsync(async () => await api.ScalarAsync("SELECT count(*) FROM reports") >= 10, TimeSpan.FromSeconds(60), () => api.Logs.All);
        await server.StopAsync();
        await server.StartAsync();

        await using var check = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await WaitUntilAsync(async () => await check.CountAsync("INBOX") == 0, TimeSpan.FromSeconds(90), () => api.Logs.All);

        // At most one message can be caught between the copy and the expunge of its MOVE: archived twice, stored once.
        Assert.InRange(await check.CountAsync("Archive"), 80, 81);
        Assert.Equal(80, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(80, await api.ScalarAsync("SELECT count(DISTINCT report_id) FROM reports"));
        Assert.True(Status(api).Errors >= 1, "the restart was not noticed");
    }

    [Fact]
    public async Task Message_arriving_while_idle_is_read_at_once_not_at_the_next_poll()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, Password, pollInterval: TimeSpan.FromMinutes(10));
        await WaitUntilAsync(() => Task.FromResult(Status(api).State == "Waiting"), TimeSpan.FromSeconds(30), () => api.Logs.All);

        await using var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password);
        var sent = Stopwatch.StartNew();
        await mailbox.AppendAsync(ReportMail.WithAttachments("late", ("r.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build("idle-" + NewId(), "idle.example")))));
        await WaitUntilAsync(async () => await mailbox.CountAsync("Archive") == 1, TimeSpan.FromSeconds(30), () => api.Logs.All);

        output.WriteLine($"stored and archived {sent.ElapsedMilliseconds} ms after it arrived");
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'idle.example'"));
        Assert.True(Status(api).Idle);
    }

    [Fact]
    public async Task Without_idle_the_mailbox_waits_its_interval_and_running_its_job_now_polls_at_once()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, Password, pollInterval: TimeSpan.FromHours(1), useIdle: false);
        await WaitUntilAsync(() => Task.FromResult(Status(api).State == "Waiting"), TimeSpan.FromSeconds(30), () => api.Logs.All);
        var job = api.Factory.Services.GetRequiredService<JobRegistry>().Find("mailbox:rua")!;

        await using var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await mailbox.AppendAsync(ReportMail.WithAttachments("waiting", ("r.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build("wait-" + NewId(), "wait.example")))));
        await Task.Delay(1500);
        Assert.Equal(0, await mailbox.CountAsync("Archive"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM job_runs WHERE job = 'mailbox:rua'"));
        Assert.False(Status(api).Idle);

        var run = await job.RunNowAsync("manual:analyst@example.com", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((Data.Jobs.JobOutcome.Succeeded, "manual:analyst@example.com"), (run.Outcome, run.Trigger));
        Assert.Equal("1 message(s) in INBOX: 1 archived, 0 to the invalid folder, 0 left for the next poll.", run.Summary);
        Assert.Equal(1, await mailbox.CountAsync("Archive"));
        Assert.Equal(2, await api.ScalarAsync("SELECT count(*) FROM job_runs WHERE job = 'mailbox:rua'"));
    }

    [Fact]
    public async Task Running_the_job_of_an_idle_mailbox_now_ends_the_idle_wait()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, Password, pollInterval: TimeSpan.FromMinutes(5));
        await WaitUntilAsync(() => Task.FromResult(Status(api).State == "Waiting"), TimeSpan.FromSeconds(30), () => api.Logs.All);
        var job = api.Factory.Services.GetRequiredService<JobRegistry>().Find("mailbox:rua")!;
        Assert.InRange(job.NextRunAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4.5), TimeSpan.FromMinutes(5));

        var clock = Stopwatch.StartNew();
        var run = await job.RunNowAsync("manual:admin@example.com", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine($"woken out of IDLE and polled in {clock.ElapsedMilliseconds} ms");
        Assert.Equal((Data.Jobs.JobOutcome.Succeeded, "0 message(s) in INBOX: 0 archived, 0 to the invalid folder, 0 left for the next poll."), (run.Outcome, run.Summary));
        Assert.True(Status(api).Idle);
    }

    [Fact]
    public async Task Wrong_password_is_retried_with_backoff_and_never_logged()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        const string wrong = "Not-The-Password-91c2";
        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, wrong);
        await WaitUntilAsync(() => Task.FromResult(Status(api).Errors >= 2), TimeSpan.FromSeconds(30), () => api.Logs.All);

        var status = Status(api);
        Assert.Equal("Retrying", status.State);
        Assert.Contains("Authentication", status.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, api.Logs.All, StringComparison.Ordinal);
        Assert.Contains(api.Logs.Lines, l => l.Contains("retrying in 00:00:02", StringComparison.Ordinal));
    }
}
