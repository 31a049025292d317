using System.Net;
using System.Text;
using DmarcSecurity.Api.FailureReports;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests;

/// <summary>DMARC failure reports through the upload endpoint (an e-mail, or in a zip) to the failure report endpoints,
/// with the source-IP grain's evidence written beside them.</summary>
public abstract class FailureReportsApiTests(ApiFixture fixture)
{
    private const string Reporter = "dmarc-noreply@receiver.example";
    private static readonly DateTimeOffset Day = new(2026, 11, 10, 9, 30, 0, TimeSpan.Zero);

    private HttpClient Client => fixture.Client;

    private static string NewRun() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>A documentation-range address no other test run uses.</summary>
    private static string Ip(string run, int host) => IPAddress.Parse($"2001:db8:{run[..4]}:{run[4..8]}::{host}").ToString();

    [Fact]
    public async Task Failure_reports_by_email_and_zip_are_stored_listed_and_detailed_without_bodies_and_tell_the_source_grain()
    {
        var run = NewRun();
        var domain = $"ruf-{run}.example";
        var headersOnly = FailureReportEml.Build(Reporter, Ip(run, 1), domain, $"a-{run}@spoofer.invalid", Day);
        var whole = FailureReportEml.Build("postmaster@mail.receiver2.example", Ip(run, 2), domain, $"b-{run}@spoofer.invalid", Day.AddHours(2),
            subject: "Your mailbox is full", body: "Click here to keep your mail: http://phish.invalid/");
        var zipped = Zip(($"ruf/{run}.eml", FailureReportEml.Build(Reporter, Ip(run, 3), domain, $"c-{run}@spoofer.invalid", Day.AddHours(1))));

        var upload = await Upload.FilesAsync(Client, ($"{run}-1.eml", headersOnly), ($"{run}-2.eml", whole), ($"{run}-3.zip", zipped));

        Assert.Equal((3, 0, 0), (upload.Stored, upload.Duplicates, upload.Rejected));
        Assert.All(upload.Files, f => Assert.Equal((1, 0, 0), (f.FailureReportIds.Count, f.ReportIds.Count, f.TlsReportIds.Count)));
        var (first, second, third) = (upload.Files[0].FailureReportIds[0], upload.Files[1].FailureReportIds[0], upload.Files[2].FailureReportIds[0]);

        var list = await Upload.GetAsync<PagedResult<FailureReportSummaryDto>>(Client, $"/api/failure-reports?domain={domain.ToUpperInvariant()}");
        Assert.Equal(3, list.TotalCount);
        Assert.Equal([second, third, first], list.Items.Select(r => r.Id).ToArray());
        var item = list.Items[2];
        Assert.Equal((Reporter, Day, true, Ip(run, 1), domain), (item.Reporter, item.ArrivalAt, item.ArrivalDateGiven, item.SourceIp, item.ReportedDomain));
        Assert.Equal(["dmarc"], item.AuthFailures);
        Assert.Equal(("reject", $"\"Accounts\" <billing@{domain}>", "Invoice 2026-11 overdue"), (item.DeliveryResult, item.OriginalFrom, item.OriginalSubject));

        var detail = await Upload.GetAsync<FailureReportDetailDto>(Client, $"/api/failure-reports/{first}");
        Assert.Equal(($"{run}-1.eml", "auth-failure", "ReceiverMail-DMARC/2.1", "1"), (detail.Origin, detail.FeedbackType, detail.UserAgent, detail.Version));
        Assert.Equal(($"<bounce@{domain}>", "finance@victim.example"), (detail.OriginalMailFrom, detail.OriginalTo));
        Assert.Equal(["<finance@victim.example>"], detail.OriginalRcptTo);
        Assert.Equal(
            $"mx.receiver.example; dmarc=fail (p=reject) header.from={domain};  dkim=fail header.d={domain} header.s=s2026; spf=fail smtp.mailfrom={domain}",
            detail.AuthenticationResults);
        Assert.Equal((domain, "s2026", (string?)null), (detail.DkimDomain, detail.DkimSelector, detail.DkimIdentity));
        Assert.Equal($"a-{run}@spoofer.invalid", detail.OriginalMessageId);
        Assert.Equal("Tue, 10 Nov 2026 09:30:00 +0000", detail.OriginalDate);
        Assert.StartsWith($"Received: from unknown (unknown [{Ip(run, 1)}])", detail.OriginalHeaders, StringComparison.Ordinal);
        Assert.Contains($"Message-ID: <a-{run}@spoofer.invalid>\r\n", detail.OriginalHeaders, StringComparison.Ordinal);
        Assert.Null(detail.OriginalBody);
        var wholeDetail = await Upload.GetAsync<FailureReportDetailDto>(Client, $"/api/failure-reports/{second}");
        Assert.Equal(("postmaster@mail.receiver2.example", "Your mailbox is full"), (wholeDetail.Summary.Reporter, wholeDetail.Summary.OriginalSubject));
        Assert.Null(wholeDetail.OriginalBody);
        var zippedDetail = await Upload.GetAsync<FailureReportDetailDto>(Client, $"/api/failure-reports/{third}");
        Assert.Equal($"{run}-3.zip!/ruf/{run}.eml", zippedDetail.Origin);

        await using (var db = await fixture.Factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync())
        {
            var bodies = await db.FailureReports.Where(r => r.ReportedDomain == domain).Select(r => r.OriginalBody).ToListAsync();
            Assert.Equal([null, null, null], bodies);
            string[] ips = [Ip(run, 1), Ip(run, 2), Ip(run, 3)];
            var events = await db.GrainInbox.Where(e => e.EventType == "dmarc.failure" && ips.Contains(e.GrainKey)).ToListAsync();
            events = [.. events.OrderBy(e => e.GrainKey, StringComparer.Ordinal)];
            Assert.Equal(ips, events.Select(e => e.GrainKey).ToArray());
            Assert.All(events, e => Assert.Equal("source-ip", e.GrainType));
            Assert.Contains($"\"failureReportId\":\"{first}\"", events[0].Payload, StringComparison.Ordinal);
            Assert.Contains("\"authFailures\":[\"dmarc\"]", events[0].Payload, StringComparison.Ordinal);
        }

        var history = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&sort=fileName");
        Assert.Equal([[first], [second], [third]], history.Items.Select(h => h.FailureReportIds.ToArray()).ToArray());
    }

    [Fact]
    public async Task Same_reporter_message_arrival_and_address_is_a_duplicate_whatever_the_bytes()
    {
        var run = NewRun();
        var domain = $"rufdup-{run}.example";
        var report = FailureReportEml.Build(Reporter, Ip(run, 1), domain, $"d-{run}@spoofer.invalid", Day);
        var first = await Upload.FilesAsync(Client, ($"{run}-1.eml", report));
        var id = Assert.Single(first.Files[0].FailureReportIds);

        var resent = await Upload.FilesAsync(Client, ($"{run}-2.eml", Encoding.UTF8.GetBytes("X-Resent: yes\r\n" + Encoding.UTF8.GetString(report))));
        var same = await Upload.FilesAsync(Client, ($"{run}-3.eml", report));
        var otherAddress = await Upload.FilesAsync(Client, ($"{run}-4.eml", FailureReportEml.Build(Reporter, Ip(run, 2), domain, $"d-{run}@spoofer.invalid", Day)));

        Assert.Equal((FileOutcome.Duplicate, 0, id), (resent.Files[0].Outcome, resent.Files[0].FailureReportIds.Count, Assert.Single(resent.Files[0].DuplicateOfFailureReportIds)));
        Assert.Equal((FileOutcome.Duplicate, id), (same.Files[0].Outcome, Assert.Single(same.Files[0].DuplicateOfFailureReportIds)));
        Assert.Equal(FileOutcome.Stored, otherAddress.Files[0].Outcome);
        var twice = FailureReportEml.Build(Reporter, Ip(run, 3), domain, $"z-{run}@spoofer.invalid", Day);
        var inOneZip = await Upload.FilesAsync(Client, ($"{run}-5.zip", Zip(("a.eml", twice), ("b.eml", Encoding.UTF8.GetBytes("X-Copy: 2\r\n" + Encoding.UTF8.GetString(twice))))));
        var storedOnce = Assert.Single(inOneZip.Files[0].FailureReportIds);
        Assert.Equal((FileOutcome.Stored, storedOnce), (inOneZip.Files[0].Outcome, Assert.Single(inOneZip.Files[0].DuplicateOfFailureReportIds)));
        var history = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&sort=fileName");
        Assert.Equal(
            [(FileOutcome.Stored, 1, 0), (FileOutcome.Duplicate, 0, 1), (FileOutcome.Duplicate, 0, 1), (FileOutcome.Stored, 1, 0), (FileOutcome.Stored, 1, 1)],
            history.Items.Select(h => (h.Outcome, h.FailureReportIds.Count, h.DuplicateOfFailureReportIds.Count)).ToArray());
    }

    [Fact]
    public async Task Malformed_failure_reports_are_rejected_with_a_reason_naming_what_is_wrong_and_the_rest_of_the_batch_is_stored()
    {
        var run = NewRun();
        var domain = $"rufbad-{run}.example";
        string Good(int n) => Encoding.UTF8.GetString(FailureReportEml.Build(Reporter, Ip(run, n), domain, $"h{n}-{run}@spoofer.invalid", Day));
        var noFeedback = Good(3);
        var start = noFeedback.IndexOf("Content-Type: message/feedback-report", StringComparison.Ordinal);
        noFeedback = noFeedback.Remove(start, "Content-Type: message/feedback-report".Length).Insert(start, "Content-Type: text/plain");

        var upload = await Upload.FilesAsync(
            Client,
            ($"{run}-a-ip.eml", Encoding.UTF8.GetBytes(Good(1).Replace($"Source-IP: {Ip(run, 1)}", "Source-IP: 999.1.2.3", StringComparison.Ordinal))),
            ($"{run}-b-type.eml", FailureReportEml.Build(Reporter, Ip(run, 2), domain, $"x-{run}@spoofer.invalid", Day, feedbackType: "abuse")),
            ($"{run}-c-nofeedback.eml", Encoding.UTF8.GetBytes(noFeedback)),
            ($"{run}-d-garbage.eml", Encoding.UTF8.GetBytes("Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\nFrom: a@b.example\r\n\r\n--x\r\nContent-Type: message/feedback-report\r\n\r\n\u0001\u0002garbage\r\n--x--\r\n")),
            ($"{run}-e-good.eml", Encoding.UTF8.GetBytes(Good(5))));

        Assert.Equal((1, 4), (upload.Stored, upload.Rejected));
        Assert.Equal(
            [RejectionReason.InvalidReportField, RejectionReason.InvalidReportField, RejectionReason.NotAReport, RejectionReason.InvalidReportField],
            upload.Files.Take(4).Select(f => f.Reason!.Value).ToArray());
        Assert.Equal($"{run}-a-ip.eml: The failure report's Source-IP \"999.1.2.3\" is not an IP address.", upload.Files[0].Error);
        Assert.Equal($"{run}-b-type.eml: The failure report's Feedback-Type is \"abuse\"; a DMARC failure report is \"auth-failure\".", upload.Files[1].Error);
        Assert.Contains("has no message/feedback-report part", upload.Files[2].Error, StringComparison.Ordinal);
        Assert.StartsWith($"{run}-d-garbage.eml: The failure report's", upload.Files[3].Error, StringComparison.Ordinal);
        var list = await Upload.GetAsync<PagedResult<FailureReportSummaryDto>>(Client, $"/api/failure-reports?domain={domain}");
        Assert.Equal(Ip(run, 5), Assert.Single(list.Items).SourceIp);
    }

    [Fact]
    public async Task Bodies_are_stored_and_shown_only_when_the_setting_is_on()
    {
        var run = NewRun();
        var domain = $"rufbody-{run}.example";
        await using var factory = fixture.CreateFactory([new("Ingestion:FailureReports:StoreBodies", "true")]);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", fixture.AdminApiKey);

        var upload = await Upload.FilesAsync(client, ($"{run}.eml",
            FailureReportEml.Build(Reporter, Ip(run, 1), domain, $"body-{run}@spoofer.invalid", Day, body: "Dear customer,\r\nplease pay.")));

        var detail = await Upload.GetAsync<FailureReportDetailDto>(Client, $"/api/failure-reports/{Assert.Single(upload.Files[0].FailureReportIds)}");
        Assert.Equal("Dear customer,\r\nplease pay.\r\n", detail.OriginalBody);
    }

    [Fact]
    public async Task List_filters_by_source_ip_and_period_pages_and_bad_parameters_are_refused()
    {
        var run = NewRun();
        var domain = $"rufpage-{run}.example";
        await Upload.FilesAsync(
            Client,
            ($"{run}-1.eml", FailureReportEml.Build(Reporter, Ip(run, 1), domain, $"p1-{run}@x.invalid", Day)),
            ($"{run}-2.eml", FailureReportEml.Build(Reporter, Ip(run, 1), domain, $"p2-{run}@x.invalid", Day.AddDays(1))),
            ($"{run}-3.eml", FailureReportEml.Build(Reporter, Ip(run, 2), domain, $"p3-{run}@x.invalid", Day.AddDays(2))));

        var byIp = await Upload.GetAsync<PagedResult<FailureReportSummaryDto>>(Client, $"/api/failure-reports?sourceIp={Uri.EscapeDataString(Ip(run, 1).ToUpperInvariant())}");
        var window = await Upload.GetAsync<PagedResult<FailureReportSummaryDto>>(
            Client, $"/api/failure-reports?domain={domain}&from={Uri.EscapeDataString(Day.AddDays(1).ToString("O"))}&to={Uri.EscapeDataString(Day.AddDays(2).ToString("O"))}");
        var second = await Upload.GetAsync<PagedResult<FailureReportSummaryDto>>(Client, $"/api/failure-reports?domain={domain}&pageSize=2&page=2");
        using var badIp = await Client.GetAsync("/api/failure-reports?sourceIp=not-an-ip");
        using var badSort = await Client.GetAsync("/api/failure-reports?sort=password");
        using var missing = await Client.GetAsync("/api/failure-reports/987654321");

        Assert.Equal([Day.AddDays(1), Day], byIp.Items.Select(r => r.ArrivalAt).ToArray());
        Assert.Equal(Day.AddDays(1), Assert.Single(window.Items).ArrivalAt);
        Assert.Equal((2, 3L, Day), (second.Page, second.TotalCount, Assert.Single(second.Items).ArrivalAt));
        Assert.Equal(HttpStatusCode.BadRequest, badIp.StatusCode);
        Assert.Contains("sourceIp must be an IP address", await badIp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var entry = zip.CreateEntry(name).Open();
                entry.Write(bytes);
            }
        }

        return stream.ToArray();
    }
}

public sealed class FailureReportsApiPostgreSqlTests(PostgreSqlApiFixture fixture) : FailureReportsApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class FailureReportsApiSqliteTests(SqliteApiFixture fixture) : FailureReportsApiTests(fixture), IClassFixture<SqliteApiFixture>;
