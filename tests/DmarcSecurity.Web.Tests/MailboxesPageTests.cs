using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>An Admin adds an IMAP mailbox on the Mailboxes page, pointing at a real Dovecot that speaks STARTTLS with a
/// self-signed certificate pinned in the form; the running Api reads the report waiting there, the page shows it read;
/// the Admin tests the mailbox, pins a wrong certificate and sees it refused in the status, and removes it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class MailboxesPageTests(Platform platform)
{
    private const string Name = "e2e-imap";
    private const string User = "dmarc";
    private const string Password = "e2e-imap-password-7c41";
    private const string Domain = "mailbox.example";

    [Fact]
    public async Task An_admin_adds_a_mailbox_that_reads_a_report_tests_it_and_removes_it()
    {
        await using var server = await DovecotServer.StartAsync(DovecotTls.SelfSigned, (User, Password));
        var reportId = "mbx-e2e-" + Guid.NewGuid().ToString("N")[..12];
        await server.DeliverAsync(User, ReportMessage(reportId, AggregateReportXml.Build(Domain, "google.com", reportId, 1,
            [("192.0.2.10", 12, true, "none"), ("198.51.100.7", 3, false, "reject")])));

        var page = await platform.SignInAsync(Platform.AdminEmail, 1280, 900);
        await page.GotoAsync("/admin/mailboxes");
        await Platform.WaitForInteractiveAsync(page);
        var form = page.GetByTestId("mailbox-form");
        await Platform.ClickUntilAsync(page.GetByTestId("new-mailbox"), form);
        await page.FillAsync("#m-name", Name);
        await page.FillAsync("#m-host", "127.0.0.1");
        await page.FillAsync("#m-port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.SelectOptionAsync("#m-security", "StartTls");
        await page.FillAsync("#m-user", User);
        await page.FillAsync("#m-password", Password);
        await page.FillAsync("#m-poll", "00:00:05");
        await page.FillAsync("#m-fingerprint", server.CertificateFingerprint!);
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "mailbox-form-1280x900.png"), FullPage = true });
        await page.GetByTestId("save-mailbox").ClickAsync();
        await Expect(form).ToHaveCountAsync(0);

        // The running Api reads the waiting report at once; the page shows the reader's status as it goes.
        var row = Row(page, Name);
        await Expect(row.GetByTestId("mailbox-source")).ToHaveTextAsync("Stored");
        await RefreshUntilAsync(page, row.GetByTestId("mailbox-outcomes"), "1 archived, 0 invalid");
        await Expect(row.GetByTestId("mailbox-seen")).ToHaveTextAsync("1 seen");
        await Expect(row.GetByTestId("mailbox-errors")).ToHaveTextAsync("0");
        await RefreshUntilAsync(page, row.GetByTestId("mailbox-state"), "Waiting");
        await Expect(row.GetByTestId("mailbox-last-poll")).Not.ToHaveTextAsync("—");
        var reports = await platform.AdminApi.GetFromJsonAsync<JsonElement>($"/api/reports?domain={Domain}");
        Assert.Equal(1, reports.GetProperty("totalCount").GetInt32());
        var history = await platform.AdminApi.GetFromJsonAsync<JsonElement>($"/api/ingestion/history?source=imap:{Name}");
        Assert.Equal("Stored", Assert.Single(history.GetProperty("items").EnumerateArray()).GetProperty("outcome").GetString());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "mailboxes-read-1280x900.png"), FullPage = true });

        // Its test connects over TLS with the pinned certificate, signs in and opens the folder.
        await row.GetByTestId("test-mailbox").ClickAsync();
        var result = page.GetByTestId("mailbox-test-result");
        await Expect(result).ToContainTextAsync($"Test of {Name}: it works.");
        await Expect(page.GetByTestId("mailbox-test-message")).ToContainTextAsync(
            $"Connected to 127.0.0.1:{server.Port} over TLS (Tls1");
        await Expect(page.GetByTestId("mailbox-test-message")).ToContainTextAsync($"signed in as {User} and opened INBOX: 0 message(s) waiting.");

        // Another certificate pinned: the reader is refused, and its status says why. The password is kept (blank means keep).
        await row.GetByTestId("edit-mailbox").ClickAsync();
        await Expect(form.Locator("legend")).ToHaveTextAsync($"Change mailbox {Name}");
        await Expect(page.Locator("#m-password")).ToHaveAttributeAsync("placeholder", "set — leave blank to keep");
        await Expect(page.Locator("#m-name")).ToBeDisabledAsync();
        await page.FillAsync("#m-fingerprint", new string('A', 64));
        await page.GetByTestId("save-mailbox").ClickAsync();
        await Expect(form).ToHaveCountAsync(0);
        await RefreshUntilAsync(page, row.GetByTestId("mailbox-last-error"), "is not the pinned one (CertificateFingerprint).");
        await Expect(row.GetByTestId("mailbox-last-error")).ToContainTextAsync(server.CertificateFingerprint!);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "mailboxes-refused-1280x900.png"), FullPage = true });
        var html = await page.ContentAsync();
        Assert.DoesNotContain(Password, html, StringComparison.Ordinal);

        await row.GetByTestId("delete-mailbox").ClickAsync();
        await page.Locator(".rz-dialog").GetByRole(AriaRole.Button, new() { Name = "Remove", Exact = true }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        var left = await platform.AdminApi.GetFromJsonAsync<JsonElement>("/api/mailboxes");
        Assert.DoesNotContain(left.EnumerateArray(), m => m.GetProperty("name").GetString() == Name);
    }

    private static ILocator Row(IPage page, string name) =>
        page.GetByTestId("mailbox-row").Filter(new() { Has = page.GetByTestId("mailbox-name").GetByText(name, new() { Exact = true }) });

    /// <summary>Refreshes the list until <paramref name="locator"/> holds <paramref name="text"/> (the page also refreshes itself every 5 s).</summary>
    private static async Task RefreshUntilAsync(IPage page, ILocator locator, string text)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            if (await locator.CountAsync() == 1 && (await locator.InnerTextAsync()).Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(500);
            await page.GetByTestId("mailboxes-refresh").ClickAsync();
        }

        await Expect(locator).ToContainTextAsync(text);
    }

    /// <summary>An aggregate report as Google mails it: a short text and the report as a gzip attachment.</summary>
    private static byte[] ReportMessage(string reportId, byte[] xml)
    {
        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(xml);
        }

        var attachment = Convert.ToBase64String(gzipped.ToArray(), Base64FormattingOptions.InsertLineBreaks);
        var file = $"google.com!{Domain}!{DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds()}!{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.xml.gz";
        var message = $"""
            From: noreply-dmarc-support@google.com
            To: dmarc@{Domain}
            Subject: Report domain: {Domain} Submitter: google.com Report-ID: {reportId}
            Date: {DateTimeOffset.UtcNow:ddd, dd MMM yyyy HH:mm:ss} +0000
            Message-ID: <{reportId}@google.com>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="report-boundary"

            --report-boundary
            Content-Type: text/plain; charset="UTF-8"

            This is an aggregate report from google.com.
            --report-boundary
            Content-Type: application/gzip; name="{file}"
            Content-Disposition: attachment; filename="{file}"
            Content-Transfer-Encoding: base64

            {attachment}
            --report-boundary--

            """;
        return Encoding.ASCII.GetBytes(message.ReplaceLineEndings("\r\n"));
    }
}
