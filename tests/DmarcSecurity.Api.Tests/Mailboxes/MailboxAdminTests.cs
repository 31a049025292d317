using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Api.Mailboxes;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DmarcSecurity.Api.Tests.Mailboxes;

/// <summary>Mailboxes an Admin adds, changes, tests and removes through the API, read by the running Api without a
/// restart, against a real Dovecot; the configured ones listed beside them, read-only.</summary>
public sealed class MailboxAdminTests(ITestOutputHelper output)
{
    private const string User = "dmarc";
    private const string Password = "Imap-Secret-5d1e8b";

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < timeout, $"timed out after {timeout}: {describe()}");
            await Task.Delay(100);
        }
    }

    private static MimeKit.MimeMessage Report(string subject, string domain) =>
        ReportMail.WithAttachments(subject, ("r.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build($"{domain}-{NewId()}", domain))));

    private static MailboxRequest Plain(string name, int port, string password = Password) =>
        new(Name: name, Host: "127.0.0.1", Port: port, Security: "None", UserName: User, Password: password, PollInterval: TimeSpan.FromSeconds(2));

    [Fact]
    public async Task An_admin_adds_changes_and_removes_a_mailbox_and_the_running_api_follows_without_a_restart()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await mailbox.AppendAsync(Report("first", "first.example"));
        await using var api = await MailboxHost.StartAsync([]);
        using var admin = await api.AdminAsync();
        var board = api.Factory.Services.GetRequiredService<MailboxStatusBoard>();
        var jobs = api.Factory.Services.GetRequiredService<JobRegistry>();

        var added = Stopwatch.StartNew();
        using var created = await admin.PostAsJsonAsync("/api/mailboxes", Plain("reports", server.Port), Upload.Json);
        output.WriteLine($"POST answered in {added.ElapsedMilliseconds} ms");
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/mailboxes/reports", created.Headers.Location?.OriginalString);
        var status = System.Text.Json.JsonSerializer.Deserialize<MailboxStatus>(createdText, Upload.Json)!;
        Assert.Equal(("reports", MailboxSources.Stored, $"127.0.0.1:{server.Port}"), (status.Name, status.Source, status.Server));
        Assert.Equal((User, true, MailboxSecurity.None, "INBOX", "Archive", TimeSpan.FromSeconds(2)),
            (status.Settings!.UserName, status.Settings.HasPassword, status.Settings.Security, status.Settings.Folder, status.Settings.ArchiveFolder, status.Settings.PollInterval));
        Assert.Equal(ApiFixture.AdminEmail, status.Settings.CreatedBy);

        // Read at once by the running Api: the report stored, the message archived.
        await WaitUntilAsync(async () => await mailbox.CountAsync("Archive") == 1, TimeSpan.FromSeconds(30), () => api.Logs.All);
        output.WriteLine($"the waiting message stored and archived {added.ElapsedMilliseconds} ms after the POST was sent");
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'first.example'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'imap:reports' AND outcome = 'Stored'"));
        await WaitUntilAsync(() => Task.FromResult(board.Find("reports")!.MessagesArchived == 1), TimeSpan.FromSeconds(10), () => api.Logs.All);
        Assert.NotNull(jobs.Find("mailbox:reports"));

        // The password is never answered, and the database holds it only protected.
        var list = await admin.GetStringAsync("/api/mailboxes");
        foreach (var answer in new[] { createdText, list, await admin.GetStringAsync("/api/mailboxes/reports") })
        {
            Assert.DoesNotContain(Password, answer, StringComparison.Ordinal);
        }

        var listed = Assert.Single(await Upload.GetAsync<List<MailboxStatus>>(admin, "/api/mailboxes"));
        Assert.Equal(("reports", MailboxSources.Stored, 1L, 1L, 0L), (listed.Name, listed.Source, listed.MessagesSeen, listed.MessagesArchived, listed.MessagesInvalid));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM mailboxes WHERE name = 'reports' AND length(password_protected) > 40"));
        Assert.Equal(0, await api.ScalarAsync($"SELECT count(*) FROM mailboxes WHERE password_protected LIKE '%{Password}%'"));

        // A change that leaves the password empty keeps it: the reader starts again with the new archive folder and signs in.
        using var changed = await admin.PutAsJsonAsync("/api/mailboxes/reports", new MailboxRequest(Password: "", ArchiveFolder: "Stored"), Upload.Json);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("Stored", (await changed.Content.ReadFromJsonAsync<MailboxStatus>(Upload.Json))!.Settings!.ArchiveFolder);
        await mailbox.AppendAsync(Report("second", "second.example"));
        await WaitUntilAsync(async () => await mailbox.CountAsync("Stored") == 1, TimeSpan.FromSeconds(30), () => api.Logs.All);
        Assert.Equal(1, await mailbox.CountAsync("Archive"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'second.example'"));
        Assert.Equal(1, jobs.All.Count(j => j.Name == "mailbox:reports"));

        // Removed: the reader stops, its status and job go, and new mail stays where it is.
        using var deleted = await admin.DeleteAsync("/api/mailboxes/reports");
        using var again = await admin.DeleteAsync("/api/mailboxes/reports");
        using var gone = await admin.GetAsync("/api/mailboxes/reports");
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (deleted.StatusCode, again.StatusCode, gone.StatusCode));
        Assert.Null(jobs.Find("mailbox:reports"));
        Assert.Empty(board.All());
        await mailbox.AppendAsync(Report("third", "third.example"));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(1, await mailbox.CountAsync("INBOX"));
        Assert.Equal(0, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'third.example'"));

        // Every change is in the audit trail, with the mailbox it touched; the password never is.
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM audit_entries WHERE action = 'POST /api/mailboxes/' AND target = 'mailboxes' AND outcome = 'success'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM audit_entries WHERE action = 'PUT /api/mailboxes/{name}' AND target = 'mailboxes:reports' AND outcome = 'success'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM audit_entries WHERE action = 'DELETE /api/mailboxes/{name}' AND target = 'mailboxes:reports' AND outcome = 'success'"));
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM audit_entries WHERE action = 'DELETE /api/mailboxes/{name}' AND target = 'mailboxes:reports' AND outcome = 'failure'"));
        Assert.Equal(0, await api.ScalarAsync($"SELECT count(*) FROM audit_entries WHERE coalesce(detail, '') LIKE '%{Password}%'"));
        Assert.DoesNotContain(Password, api.Logs.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DbProvider.PostgreSql)]
    [InlineData(DbProvider.Sqlite)]
    public async Task Configured_mailboxes_are_listed_read_only_and_bad_requests_are_refused_by_field(DbProvider provider)
    {
        await using var api = await MailboxHost.StartAsync(provider: provider, settings: new Dictionary<string, string>
        {
            ["Ingestion:Mailboxes:rua:Host"] = "127.0.0.1",
            ["Ingestion:Mailboxes:rua:Port"] = "1",
            ["Ingestion:Mailboxes:rua:Security"] = "None",
            ["Ingestion:Mailboxes:rua:UserName"] = User,
            ["Ingestion:Mailboxes:rua:Password"] = Password,
        });
        using var admin = await api.AdminAsync();

        var configured = Assert.Single(await Upload.GetAsync<List<MailboxStatus>>(admin, "/api/mailboxes"));
        Assert.Equal(("rua", MailboxSources.Configuration, "127.0.0.1", true), (configured.Name, configured.Source, configured.Settings!.Host, configured.Settings.HasPassword));
        using var put = await admin.PutAsJsonAsync("/api/mailboxes/rua", new MailboxRequest(Folder: "Other"), Upload.Json);
        using var delete = await admin.DeleteAsync("/api/mailboxes/rua");
        using var shadow = await admin.PostAsJsonAsync("/api/mailboxes", Plain("RUA", 143), Upload.Json);
        using var first = await admin.PostAsJsonAsync("/api/mailboxes", Plain("team", 143), Upload.Json);
        using var second = await admin.PostAsJsonAsync("/api/mailboxes", Plain("Team", 143), Upload.Json);
        using var rename = await admin.PutAsJsonAsync("/api/mailboxes/team", new MailboxRequest(Name: "squad"), Upload.Json);
        using var unknown = await admin.PutAsJsonAsync("/api/mailboxes/nobody", new MailboxRequest(Folder: "x"), Upload.Json);
        Assert.Equal(
            [HttpStatusCode.Conflict, HttpStatusCode.Conflict, HttpStatusCode.Conflict, HttpStatusCode.Created, HttpStatusCode.Conflict, HttpStatusCode.BadRequest, HttpStatusCode.NotFound],
            new[] { put, delete, shadow, first, second, rename, unknown }.Select(r => r.StatusCode));
        Assert.Contains("Ingestion__Mailboxes__rua__", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var bad = await admin.PostAsJsonAsync("/api/mailboxes", new MailboxRequest(
            Name: "../x", Host: " ", Port: 70000, Security: "Tls", UserName: User, Folder: "INBOX", ArchiveFolder: "inbox",
            PollInterval: TimeSpan.Zero, CertificateFingerprint: "AB:CD"), Upload.Json);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = (await bad.Content.ReadFromJsonAsync<ValidationProblemDetails>(Upload.Json))!;
        Assert.Equal(["archiveFolder", "certificateFingerprint", "host", "name", "password", "pollInterval", "port", "security"], problem.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("CertificateFingerprint must be the server certificate's SHA-256 fingerprint (64 hex digits).", Assert.Single(problem.Errors["certificateFingerprint"]));
        Assert.Equal([("rua", MailboxSources.Configuration), ("team", MailboxSources.Stored)],
            (await Upload.GetAsync<List<MailboxStatus>>(admin, "/api/mailboxes")).Select(m => (m.Name, m.Source)));
    }

    [Fact]
    public async Task Testing_a_mailbox_says_in_words_which_step_failed()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using (var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password))
        {
            await mailbox.AppendAsync(Report("waiting", "waiting.example"));
        }

        await using var api = await MailboxHost.StartAsync([]);
        using var admin = await api.AdminAsync();
        var closed = HostProcess.FreePort();
        foreach (var request in new[]
        {
            Plain("good", server.Port) with { PollInterval = TimeSpan.FromHours(1), UseIdle = false },
            Plain("wrong-password", server.Port, "Not-The-Password-3"),
            Plain("no-folder", server.Port) with { Folder = "Reports" },
            Plain("no-server", closed),
        })
        {
            using var created = await admin.PostAsJsonAsync("/api/mailboxes", request, Upload.Json);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        async Task<MailboxTestResult> TestAsync(string name)
        {
            using var response = await admin.PostAsync($"/api/mailboxes/{name}/test", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<MailboxTestResult>(Upload.Json))!;
        }

        var good = await TestAsync("good");
        var wrong = await TestAsync("wrong-password");
        var folder = await TestAsync("no-folder");
        var down = await TestAsync("no-server");
        using var unknown = await admin.PostAsync("/api/mailboxes/nobody/test", null);

        Assert.Equal((true, (string?)null), (good.Succeeded, good.FailedStep));
        // Its reader may have archived the waiting message already: the count is what the folder held at the test.
        Assert.Matches($@"^Connected to 127\.0\.0\.1:{server.Port} without TLS, signed in as {User} and opened INBOX: [01] message\(s\) waiting\.$", good.Message);
        Assert.Equal((false, "Sign-in"), (wrong.Succeeded, wrong.FailedStep));
        Assert.Equal($"The server 127.0.0.1:{server.Port} refused the sign-in of {User} (AuthenticationException): check UserName and Password.", wrong.Message);
        Assert.Equal((false, "Folder"), (folder.Succeeded, folder.FailedStep));
        Assert.Equal($"Signed in, but the folder \"Reports\" does not exist on 127.0.0.1:{server.Port}.", folder.Message);
        Assert.Equal((false, "Connect"), (down.Succeeded, down.FailedStep));
        Assert.StartsWith($"Could not connect to 127.0.0.1:{closed}: ", down.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The readers of the failing ones show the same words in their status.
        var board = api.Factory.Services.GetRequiredService<MailboxStatusBoard>();
        await WaitUntilAsync(() => Task.FromResult(board.Find("no-folder")!.Errors >= 1 && board.Find("wrong-password")!.Errors >= 1), TimeSpan.FromSeconds(30), () => api.Logs.All);
        Assert.Equal($"The folder \"Reports\" does not exist on 127.0.0.1:{server.Port}.", board.Find("no-folder")!.LastError);
        Assert.Contains(board.Find("no-folder")!.State, new[] { "Retrying", "Connecting" });
        Assert.Equal(wrong.Message, board.Find("wrong-password")!.LastError);
        Assert.NotNull(board.Find("wrong-password")!.LastErrorAt);
        Assert.DoesNotContain("Not-The-Password-3", api.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_api_replica_on_the_same_database_follows_the_changes_within_seconds()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await using var api = await MailboxHost.StartAsync([]);
        await using var replica = api.Replica([]);
        var replicaBoard = replica.Factory.Services.GetRequiredService<MailboxStatusBoard>();
        using var admin = await api.AdminAsync();

        using var created = await admin.PostAsJsonAsync("/api/mailboxes", Plain("shared", server.Port), Upload.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The replica reads the row within its refresh, unprotects the password with the shared key ring, and signs in.
        var clock = Stopwatch.StartNew();
        await WaitUntilAsync(() => Task.FromResult(replicaBoard.Find("shared") is { State: "Waiting" }), TimeSpan.FromSeconds(20), () => replica.Logs.All);
        output.WriteLine($"the other replica signed in and waited on the new mailbox {clock.ElapsedMilliseconds} ms after the POST was answered");
        Assert.True(clock.Elapsed < MailboxSupervisor.RefreshInterval + TimeSpan.FromSeconds(5), $"picked up after {clock.Elapsed}");
        Assert.Equal((MailboxSources.Stored, 0L), (replicaBoard.Find("shared")!.Source, replicaBoard.Find("shared")!.Errors));

        // Both replicas read the mailbox: the report is stored once, the message archived once.
        await mailbox.AppendAsync(Report("shared", "shared.example"));
        await WaitUntilAsync(async () => await mailbox.CountAsync("Archive") >= 1, TimeSpan.FromSeconds(30), () => api.Logs.All + replica.Logs.All);
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM reports WHERE policy_domain = 'shared.example'"));

        using var deleted = await admin.DeleteAsync("/api/mailboxes/shared");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await WaitUntilAsync(() => Task.FromResult(replicaBoard.Find("shared") is null), TimeSpan.FromSeconds(20), () => replica.Logs.All);
        Assert.Null(replica.Factory.Services.GetRequiredService<JobRegistry>().Find("mailbox:shared"));
    }

    [Fact]
    public async Task A_stored_password_that_no_longer_unprotects_makes_the_mailbox_unusable_until_it_is_entered_again()
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        await using var api = await MailboxHost.StartAsync([]);
        using var admin = await api.AdminAsync();
        var board = api.Factory.Services.GetRequiredService<MailboxStatusBoard>();
        using var created = await admin.PostAsJsonAsync("/api/mailboxes", Plain("keys", server.Port), Upload.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // As after the key ring was lost: the payload is no longer one these keys protected.
        await api.ScalarAsync("WITH changed AS (UPDATE mailboxes SET password_protected = 'CfDJ8-not-a-payload' RETURNING 1) SELECT count(*) FROM changed");
        await WaitUntilAsync(() => Task.FromResult(board.Find("keys") is { State: "Unusable" }), TimeSpan.FromSeconds(20), () => api.Logs.All);
        Assert.Equal("Its password cannot be unprotected with this Api's Data Protection keys; enter it again.", board.Find("keys")!.LastError);
        using var test = await admin.PostAsync("/api/mailboxes/keys/test", null);
        Assert.Equal("Password", (await test.Content.ReadFromJsonAsync<MailboxTestResult>(Upload.Json))!.FailedStep);

        // A change without the password cannot keep what cannot be read: it must be given again.
        using var without = await admin.PutAsJsonAsync("/api/mailboxes/keys", new MailboxRequest(PollInterval: TimeSpan.FromSeconds(3)), Upload.Json);
        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        using var with = await admin.PutAsJsonAsync("/api/mailboxes/keys", new MailboxRequest(Password: Password), Upload.Json);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        await WaitUntilAsync(() => Task.FromResult(board.Find("keys") is { State: "Waiting" }), TimeSpan.FromSeconds(20), () => api.Logs.All);
    }
}
