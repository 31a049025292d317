using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DmarcSecurity.Api.Tests.Mailboxes;

/// <summary>The Api reading a Microsoft 365 mailbox through Microsoft Graph, against a local HTTPS server that answers
/// as Graph and the Microsoft identity platform do (each test its own server, Api and database).</summary>
public sealed class GraphMailboxIngestionTests(ITestOutputHelper output)
{
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

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, describe);

    private static string Describe(GraphServer server, GraphMailboxHost api) =>
        server.Describe() + "\n" + string.Join('\n', server.Requests) + "\n---\n" + api.Logs.All;

    private static MimeKit.MimeMessage Gzipped(string subject, string domain) =>
        ReportMail.WithAttachments(subject, ($"{domain}.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build($"{subject}-{NewId()}", domain))));

    [Fact]
    public async Task Gzip_zip_and_inline_xml_reports_are_stored_and_their_messages_archived_page_by_page()
    {
        await using var server = await GraphServer.StartAsync();
        server.Deliver(ReportMail.WithAttachments("gzip", ("google.com!gz.example!1.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build("gz-" + NewId(), "gz.example")))));
        server.Deliver(ReportMail.WithAttachments("zip", ("google.com!zip.example!1.zip", "application/zip", Zip("r.xml", ReportXml.Build("zip-" + NewId(), "zip.example")))));
        server.Deliver(ReportMail.InlineXml("inline", ReportXml.Build("inline-" + NewId(), "inline.example")));
        server.Deliver(ReportMail.WithAttachments(
            "several",
            ("a.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build("several-a-" + NewId(), "several.example"))),
            ("b.xml", "text/xml", ReportXml.Build("several-b-" + NewId(), "several.example")),
            ("c.zip", "application/zip", Zip("c.xml", ReportXml.Build("several-c-" + NewId(), "several.example")))));
        server.Deliver(Gzipped("fifth", "fifth.example"));
        Assert.False(server.FolderExists("Invalid"));

        await using var api = await GraphMailboxHost.StartAsync(server);
        await WaitUntilAsync(() => server.Count("Archive") == 5, TimeSpan.FromSeconds(60), () => Describe(server, api));

        Assert.Equal(0, server.Count("Inbox"));
        Assert.Equal(["fifth", "gzip", "inline", "several", "zip"], server.Subjects("Archive"));
        Assert.True(server.FolderExists("Invalid"), "the invalid folder was not created");
        Assert.Equal(7, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'gz.example'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'zip.example'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'inline.example'"));
        Assert.Equal(3, await api.ScalarAsync("SELECT count(*) FROM reports r JOIN ingested_files f ON f.id = r.file_id WHERE r.policy_domain = 'several.example' AND f.file_name = 'several'"));
        Assert.Equal(5, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Stored'"));

        // Five messages in pages of two: the listing followed @odata.nextLink twice, and read every message before moving any.
        var requests = server.Requests.ToList();
        var firstMove = requests.FindIndex(r => r.StartsWith("POST", StringComparison.Ordinal) && r.Contains("/move", StringComparison.Ordinal));
        Assert.Equal(2, requests.Take(firstMove).Count(r => r.StartsWith("GET", StringComparison.Ordinal) && r.Contains("/messages?", StringComparison.Ordinal) && r.Contains("skip=", StringComparison.Ordinal)));

        // The token request carried the client id and secret of the app registration, for Graph's .default scope.
        // One token for every poll so far (the credential keeps it until shortly before it expires).
        var token = Assert.Single(server.TokenRequests);
        Assert.Equal((GraphServer.ClientId, GraphServer.ClientSecret, "client_credentials", $"{server.Url}/.default"),
            (token["client_id"], token["client_secret"], token["grant_type"], token["scope"]));

        var status = api.Status();
        Assert.Equal((5, 5, 0, 0L), (status.MessagesSeen, status.MessagesArchived, status.MessagesInvalid, status.Errors));
        Assert.Equal($"Microsoft 365: {GraphServer.UserId} (127.0.0.1)", status.Server);
        Assert.Equal("Inbox", status.Folder);
        Assert.NotNull(status.LastPollAt);
        Assert.DoesNotContain(GraphServer.ClientSecret, api.Logs.All, StringComparison.Ordinal);
        Assert.NotNull(api.Factory.Services.GetRequiredService<JobRegistry>().Find("mailbox:rua"));
        Assert.True(await api.ScalarAsync("SELECT count(*) FROM job_runs WHERE job = 'mailbox:rua' AND outcome = 'Succeeded'") >= 1);

        // The Admin's mailbox list shows it as a Microsoft 365 mailbox.
        await api.Factory.Services.GetRequiredService<UserService>().CreateAsync("admin@tests.example", null, UserRole.Admin, ApiFixture.AdminPassword, CancellationToken.None);
        using var client = api.Factory.CreateClient();
        using var login = await client.PostAsJsonAsync("/api/auth/login", new LoginRequest("admin@tests.example", ApiFixture.AdminPassword));
        var accessToken = JsonDocument.Parse(await login.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var listed = JsonDocument.Parse(await client.GetStringAsync("/api/mailboxes")).RootElement;
        var rua = Assert.Single(listed.EnumerateArray());
        Assert.Equal(("rua", $"Microsoft 365: {GraphServer.UserId} (127.0.0.1)", 5), (rua.GetProperty("name").GetString(), rua.GetProperty("server").GetString(), rua.GetProperty("messagesArchived").GetInt32()));
    }

    [Fact]
    public async Task Running_the_job_now_polls_at_once_instead_of_at_the_interval()
    {
        await using var server = await GraphServer.StartAsync();
        var settings = GraphMailboxHost.Settings(server);
        settings["PollInterval"] = "01:00:00";
        await using var api = await GraphMailboxHost.StartAsync(server, settings);
        await WaitUntilAsync(() => api.Status().State == "Waiting", TimeSpan.FromSeconds(30), () => Describe(server, api));
        var job = api.Factory.Services.GetRequiredService<JobRegistry>().Find("mailbox:rua")!;
        Assert.InRange(job.NextRunAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(60));

        server.Deliver(Gzipped("now", "now.example"));
        var run = await job.RunNowAsync("manual:admin@example.com", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((Data.Jobs.JobOutcome.Succeeded, "manual:admin@example.com"), (run.Outcome, run.Trigger));
        Assert.Equal("1 message(s) in Inbox: 1 archived, 0 to the invalid folder, 0 left for the next poll.", run.Summary);
        Assert.Equal(1, server.Count("Archive"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'now.example'"));
    }

    [Fact]
    public async Task Non_report_and_hostile_messages_go_to_the_invalid_folder_with_the_reason_logged_and_recorded()
    {
        await using var server = await GraphServer.StartAsync();
        using var bomb = new MemoryStream();
        using (var gzip = new GZipStream(bomb, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(new byte[64 * 1024 * 1024]);
        }

        server.Deliver(ReportMail.Text("lunch on friday?", "Shall we meet at noon?"));
        server.Deliver(ReportMail.WithAttachments("bomb", ("google.com!bomb.example!1.xml.gz", "application/gzip", bomb.ToArray())));
        server.Deliver(ReportMail.WithAttachments("doctype", ("r.xml", "text/xml",
            "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback>&x;</feedback>"u8.ToArray())));
        server.Deliver(Gzipped("good", "good.example"));

        await using var api = await GraphMailboxHost.StartAsync(server);
        await WaitUntilAsync(() => server.Count("Invalid") == 3 && server.Count("Archive") == 1, TimeSpan.FromSeconds(60), () => Describe(server, api));

        Assert.Equal(["bomb", "doctype", "lunch on friday?"], server.Subjects("Invalid"));
        Assert.Equal(0, server.Count("Inbox"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Contains(api.Logs.Lines, l => l.Contains("(lunch on friday?) moved to the invalid folder: NoReportFound", StringComparison.Ordinal));
        Assert.Contains(api.Logs.Lines, l => l.Contains("(bomb) moved to the invalid folder: CompressionRatioExceeded", StringComparison.Ordinal));
        Assert.Contains(api.Logs.Lines, l => l.Contains("(doctype) moved to the invalid folder:", StringComparison.Ordinal));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND file_name = 'lunch on friday?' AND outcome = 'Rejected' AND rejection_reason = 'NoReportFound'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND file_name = 'bomb' AND outcome = 'Rejected' AND rejection_reason = 'CompressionRatioExceeded'"));
        Assert.Equal(3, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Rejected'"));
        var status = api.Status();
        Assert.Equal((4, 1, 3), (status.MessagesSeen, status.MessagesArchived, status.MessagesInvalid));
    }

    [Fact]
    public async Task Duplicate_messages_are_archived_and_their_reports_stored_once()
    {
        await using var server = await GraphServer.StartAsync();
        var report = ReportXml.Gzip(ReportXml.Build("dup-" + NewId(), "dup.example"));
        var first = ReportMail.WithAttachments("original", ("dup.xml.gz", "application/gzip", report));
        server.Deliver(first);
        server.Deliver(first);
        server.Deliver(ReportMail.WithAttachments("sent again", ("dup.xml.gz", "application/gzip", report)));

        await using var api = await GraphMailboxHost.StartAsync(server);
        await WaitUntilAsync(() => server.Count("Archive") == 3, TimeSpan.FromSeconds(60), () => Describe(server, api));

        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'dup.example'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Stored'"));
        Assert.Equal(2, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Duplicate'"));
        Assert.Equal((3, 3, 0), (api.Status().MessagesSeen, api.Status().MessagesArchived, api.Status().MessagesInvalid));
    }

    [Fact]
    public async Task Throttled_and_failed_calls_are_retried_and_lose_nothing_and_store_nothing_twice()
    {
        await using var server = await GraphServer.StartAsync();
        foreach (var subject in new[] { "a", "b", "c", "d" })
        {
            server.Deliver(Gzipped(subject, $"{subject}.retry.example"));
        }

        // Throttled listing and an unavailable download: Graph's client waits as Retry-After says and asks again.
        server.Fail("list", 429, retryAfter: 1);
        server.Fail("value", 503, subject: "b", retryAfter: 1);

        // A move that fails after the reports were stored, more often than the client retries on its own: the message
        // stays, the poll fails, the reader retries with backoff and archives it as a duplicate.
        server.Fail("move", 503, times: 4, subject: "c", retryAfter: 1);
        server.Fail("move", 500, subject: "d");

        await using var api = await GraphMailboxHost.StartAsync(server);
        await WaitUntilAsync(() => server.Count("Archive") == 4, TimeSpan.FromSeconds(90), () => Describe(server, api));

        Assert.Equal(0, server.Count("Inbox"));
        Assert.Equal(4, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(4, await api.ScalarAsync("SELECT count(DISTINCT report_id) FROM reports"));
        Assert.Equal(4, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Stored'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Duplicate' AND file_name = 'c'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Duplicate' AND file_name = 'd'"));
        Assert.Contains(server.Requests, r => r.Contains("/messages?", StringComparison.Ordinal) && r.EndsWith("retry-attempt=1", StringComparison.Ordinal));
        Assert.Contains(server.Requests, r => r.Contains("/$value", StringComparison.Ordinal) && r.EndsWith("retry-attempt=1", StringComparison.Ordinal));
        var status = api.Status();
        Assert.Equal(2, status.Errors);
        var failures = api.Logs.Lines.Where(l => l.Contains("a call to Microsoft Graph", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 2 && failures[0].Contains("failed (Graph answered 503 ServiceUnavailable: The service is currently unavailable. (given up after 4 tries)); retrying in 00:00:01", StringComparison.Ordinal)
            && failures[1].Contains("failed (Graph answered 500 InternalServerError: An internal server error occurred.); retrying in 00:00:02", StringComparison.Ordinal), string.Join('\n', failures));
        Assert.Equal((4L, 0L), (status.MessagesArchived, status.MessagesInvalid));
    }

    [Fact]
    public async Task Connection_dropped_in_the_middle_of_a_message_loses_nothing_and_stores_nothing_twice()
    {
        await using var server = await GraphServer.StartAsync();
        var large = ReportXml.Build("large-" + NewId(), "large.example", records: [.. Enumerable.Range(0, 3000).Select(i => new TestRecord($"198.51.{i / 250}.{i % 250}", i + 1))]);
        server.Deliver(ReportMail.WithAttachments("large", ("large.xml", "text/xml", large)));
        server.Deliver(Gzipped("small", "small.example"));
        server.Fail("value", 0, subject: "large");

        await using var api = await GraphMailboxHost.StartAsync(server);
        await WaitUntilAsync(() => server.Count("Archive") == 2, TimeSpan.FromSeconds(60), () => Describe(server, api));

        Assert.Equal(1, server.Drops);
        Assert.Equal(2, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(3000, await api.ScalarAsync("SELECT count(*) FROM records r JOIN reports p ON p.id = r.report_id WHERE p.policy_domain = 'large.example'"));
        Assert.Equal(0, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome <> 'Stored'"));
        Assert.True(api.Status().Errors >= 1, "the dropped connection was not counted");
        Assert.Contains(api.Logs.Lines, l => l.Contains("a call to Microsoft Graph for " + GraphServer.UserId + " failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refused_token_is_shown_on_the_status_retried_with_backoff_and_the_secret_never_logged()
    {
        await using var server = await GraphServer.StartAsync();
        server.Deliver(Gzipped("waiting", "waiting.example"));
        const string wrong = "Not~The.Secret_4Jq9vR2mXw8";

        await using var api = await GraphMailboxHost.StartAsync(server, GraphMailboxHost.Settings(server, wrong));
        await WaitUntilAsync(() => api.Status().Errors >= 2, TimeSpan.FromSeconds(30), () => Describe(server, api));

        var status = api.Status();
        Assert.Equal("Retrying", status.State);
        Assert.Contains("AADSTS7000215: Invalid client secret provided", status.LastError, StringComparison.Ordinal);
        Assert.Contains(api.Logs.Lines, l => l.Contains("retrying in 00:00:02", StringComparison.Ordinal));
        Assert.DoesNotContain(wrong, api.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, status.LastError, StringComparison.Ordinal);
        Assert.Equal(wrong, server.TokenRequests.First()["client_secret"]);

        // Nothing was asked of Graph without a token, the message waits in the Inbox, and the Api goes on answering.
        Assert.DoesNotContain(server.Requests, r => r.Contains("/v1.0/", StringComparison.Ordinal));
        Assert.Equal(1, server.Count("Inbox"));
        using var client = api.Factory.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task Certificate_credential_signs_in_with_an_assertion_the_token_endpoint_verifies()
    {
        await using var server = await GraphServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("graph-cert-");
        try
        {
            var path = Path.Combine(folder.FullName, "app.pfx");
            server.ClientCertificate = GraphServer.WriteClientCertificate(path, "pfx-password-3k9");
            server.Deliver(Gzipped("signed", "signed.example"));
            var settings = GraphMailboxHost.Settings(server);
            settings["ClientSecret"] = null;
            settings["CertificatePath"] = path;
            settings["CertificatePassword"] = "pfx-password-3k9";

            await using var api = await GraphMailboxHost.StartAsync(server, settings);
            await WaitUntilAsync(() => server.Count("Archive") == 1, TimeSpan.FromSeconds(60), () => Describe(server, api));

            var token = server.TokenRequests.First();
            Assert.False(token.ContainsKey("client_secret"));
            Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", token["client_assertion_type"]);
            Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'signed.example'"));
            Assert.DoesNotContain("pfx-password-3k9", api.Logs.All, StringComparison.Ordinal);
            output.WriteLine(string.Join('\n', server.Requests));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task On_sqlite_reports_from_the_mailbox_are_stored_and_archived()
    {
        await using var server = await GraphServer.StartAsync();
        server.Deliver(Gzipped("one", "one.sqlite.example"));
        server.Deliver(ReportMail.InlineXml("two", ReportXml.Build("two-" + NewId(), "two.sqlite.example")));
        server.Deliver(ReportMail.Text("not a report", "hello"));

        await using var api = await GraphMailboxHost.StartAsync(server, provider: DbProvider.Sqlite);
        await WaitUntilAsync(() => server.Count("Archive") == 2 && server.Count("Invalid") == 1, TimeSpan.FromSeconds(60), () => Describe(server, api));

        Assert.Equal(2, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(2, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Stored'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Rejected'"));
    }
}
