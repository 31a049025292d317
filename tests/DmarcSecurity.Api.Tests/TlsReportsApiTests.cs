using System.Net;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Tests.Mailboxes;
using DmarcSecurity.Api.TlsReports;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests;

/// <summary>SMTP TLS reports through the upload endpoint (plain JSON, gzip, a report e-mail) to the TLS report endpoints.</summary>
public abstract class TlsReportsApiTests(ApiFixture fixture)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);

    private HttpClient Client => fixture.Client;

    private static string NewRun() => Guid.NewGuid().ToString("N")[..10];

    private static byte[] Eml(string subject, byte[] gzip, string fileName)
    {
        using var stream = new MemoryStream();
        ReportMail.WithAttachments(subject, (fileName, "application/tlsrpt+gzip", gzip)).WriteTo(stream);
        return stream.ToArray();
    }

    [Fact]
    public async Task Tls_reports_as_json_gzip_and_email_are_stored_listed_detailed_and_summarised_with_their_counts()
    {
        var run = NewRun();
        var domain = $"tls-{run}.example";
        var google = TlsReportJson.Build($"g-{run}", Day, "Google Inc.", new TlsPolicy(domain, 1000, "sts",
            new TlsFailure("starttls-not-supported", "209.85.220.41", $"mx1.{domain}", 30, "198.51.100.25"),
            new TlsFailure("certificate-expired", "209.85.220.42", $"mx1.{domain}", 5)));
        var microsoft = TlsReportJson.Build($"m-{run}", Day.AddDays(1), "Microsoft Corporation",
            new TlsPolicy(domain, 500, "sts", new TlsFailure("validation-failure", "40.107.22.52", $"mx1.{domain}", 7, "198.51.100.26", "X509_V_ERR_CERT_HAS_EXPIRED")),
            new TlsPolicy($"mail.{domain}", 40, "no-policy-found"));
        var yahoo = TlsReportJson.Build($"y-{run}", Day.AddDays(2), "Yahoo", new TlsPolicy(domain, 200, "sts",
            new TlsFailure("starttls-not-supported", "98.136.96.1", $"mx1.{domain}", 10)));
        var dmarc = ReportXml.Build($"dmarc-{run}", domain);

        var upload = await Upload.FilesAsync(
            Client,
            ($"google.com!{domain}!1!2.json", google),
            ($"microsoft.com!{domain}!1!2.json.gz", TlsReportJson.Gzip(microsoft)),
            ($"{run}.eml", Eml($"Report Domain: {domain} Submitter: yahoo.com", TlsReportJson.Gzip(yahoo), $"yahoo.com!{domain}!1!2.json.gz")),
            ($"{run}.xml", dmarc));

        Assert.Equal((4, 0, 0), (upload.Stored, upload.Duplicates, upload.Rejected));
        Assert.All(upload.Files.Take(3), f => Assert.Equal((1, 0, 0), (f.TlsReportIds.Count, f.ReportIds.Count, f.Records)));
        Assert.Equal((0, 1), (upload.Files[3].TlsReportIds.Count, upload.Files[3].ReportIds.Count));
        var (googleId, microsoftId, yahooId) = (upload.Files[0].TlsReportIds[0], upload.Files[1].TlsReportIds[0], upload.Files[2].TlsReportIds[0]);

        var list = await Upload.GetAsync<PagedResult<TlsReportSummaryDto>>(Client, $"/api/tls-reports?domain={domain.ToUpperInvariant()}");
        Assert.Equal(3, list.TotalCount);
        Assert.Equal([yahooId, microsoftId, googleId], list.Items.Select(r => r.Id).ToArray());
        var m = list.Items[1];
        Assert.Equal(("Microsoft Corporation", $"m-{run}", 540L, 7L), (m.OrgName, m.ReportId, m.SuccessfulSessions, m.FailedSessions));
        Assert.Equal([$"mail.{domain}", domain], m.PolicyDomains);
        Assert.Equal((Day.AddDays(1), Day.AddDays(2).AddSeconds(-1)), (m.Begin, m.End));

        var detail = await Upload.GetAsync<TlsReportDetailDto>(Client, $"/api/tls-reports/{microsoftId}");
        Assert.Equal($"microsoft.com!{domain}!1!2.json.gz > gunzip", detail.Origin);
        Assert.Equal("smtp-tls-reporting@microsoft.example", detail.Summary.ContactInfo);
        Assert.Equal(2, detail.Policies.Count);
        var sts = detail.Policies[0];
        Assert.Equal(("sts", domain, 500L, 7L), (sts.PolicyType, sts.PolicyDomain, sts.SuccessfulSessions, sts.FailedSessions));
        Assert.Equal(["version: STSv1", "mode: enforce", $"mx: mx1.{domain}", "max_age: 604800"], sts.PolicyStrings);
        Assert.Equal([$"mx1.{domain}"], sts.MxHosts);
        Assert.Equal(
            new TlsFailureDetailDto("validation-failure", "40.107.22.52", $"mx1.{domain}", null, "198.51.100.26", 7, null, "X509_V_ERR_CERT_HAS_EXPIRED"),
            Assert.Single(sts.FailureDetails));
        Assert.Equal(("no-policy-found", 40L, 0), (detail.Policies[1].PolicyType, detail.Policies[1].SuccessfulSessions, detail.Policies[1].FailureDetails.Count));
        var mailDetail = await Upload.GetAsync<TlsReportDetailDto>(Client, $"/api/tls-reports/{yahooId}");
        Assert.Equal($"{run}.eml > mime part 2 (yahoo.com!{domain}!1!2.json.gz) > gunzip", mailDetail.Origin);

        var summary = await Upload.GetAsync<List<TlsDomainSummaryDto>>(Client, $"/api/tls-reports/summary?domain={domain}");
        var row = Assert.Single(summary);
        Assert.Equal((domain, 3, 1700L, 52L), (row.PolicyDomain, row.Reports, row.SuccessfulSessions, row.FailedSessions));
        Assert.Equal(52.0 / 1752, row.FailureRate, 10);
        Assert.Equal(
            [new TlsResultTypeDto("starttls-not-supported", 40), new TlsResultTypeDto("validation-failure", 7), new TlsResultTypeDto("certificate-expired", 5)],
            row.TopResultTypes);

        // Only the last two days: Google's report (the first day) is left out, and Microsoft's other policy domain is in.
        var from = Uri.EscapeDataString(Day.AddDays(1).ToString("O"));
        var recent = await Upload.GetAsync<List<TlsDomainSummaryDto>>(Client, $"/api/tls-reports/summary?from={from}&to={Uri.EscapeDataString(Day.AddDays(3).ToString("O"))}");
        var mine = recent.Where(r => r.PolicyDomain.EndsWith(domain, StringComparison.Ordinal)).ToList();
        Assert.Equal([(domain, 700L, 17L), ($"mail.{domain}", 40L, 0L)], mine.Select(r => (r.PolicyDomain, r.SuccessfulSessions, r.FailedSessions)).ToArray());
        Assert.Equal(0, mine[1].FailureRate);

        var history = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={domain}&sort=fileName");
        Assert.Equal([[googleId], [microsoftId]], history.Items.Select(h => h.TlsReportIds.ToArray()).ToArray());
        Assert.All(history.Items, h => Assert.Equal(FileOutcome.Stored, h.Outcome));
    }

    [Fact]
    public async Task Same_organisation_and_report_id_again_is_a_duplicate_whatever_the_bytes()
    {
        var run = NewRun();
        var domain = $"dup-{run}.example";
        var json = TlsReportJson.Build($"dup-{run}", Day, "Google Inc.", new TlsPolicy(domain, 12));
        var first = await Upload.FilesAsync(Client, ($"{run}-1.json", json));
        var id = Assert.Single(first.Files[0].TlsReportIds);

        var other = await Upload.FilesAsync(Client, ($"{run}-2.json.gz", TlsReportJson.Gzip(json)));
        var same = await Upload.FilesAsync(Client, ($"{run}-3.json", json));
        var otherOrg = await Upload.FilesAsync(Client, ($"{run}-4.json", TlsReportJson.Build($"dup-{run}", Day, "Yahoo", new TlsPolicy(domain, 3))));

        Assert.Equal((FileOutcome.Duplicate, 0, id), (other.Files[0].Outcome, other.Files[0].TlsReportIds.Count, Assert.Single(other.Files[0].DuplicateOfTlsReportIds)));
        Assert.Equal((FileOutcome.Duplicate, id), (same.Files[0].Outcome, Assert.Single(same.Files[0].DuplicateOfTlsReportIds)));
        Assert.Equal(FileOutcome.Stored, otherOrg.Files[0].Outcome);
        var list = await Upload.GetAsync<PagedResult<TlsReportSummaryDto>>(Client, $"/api/tls-reports?domain={domain}&sort=reporter");
        Assert.Equal(["Google Inc.", "Yahoo"], list.Items.Select(r => r.OrgName).ToArray());
        var history = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&sort=fileName");
        Assert.Equal(
            [(FileOutcome.Stored, 1, 0), (FileOutcome.Duplicate, 0, 1), (FileOutcome.Duplicate, 0, 1), (FileOutcome.Stored, 1, 0)],
            history.Items.Select(h => (h.Outcome, h.TlsReportIds.Count, h.DuplicateOfTlsReportIds.Count)).ToArray());
    }

    [Fact]
    public async Task Hostile_and_broken_tls_reports_are_rejected_with_a_reason_naming_the_field_and_the_rest_of_the_batch_is_stored()
    {
        var run = NewRun();
        var domain = $"hostile-{run}.example";
        var good = TlsReportJson.Build($"good-{run}", Day, "Google Inc.", new TlsPolicy(domain, 9));
        var text = System.Text.Encoding.UTF8.GetString(TlsReportJson.Build($"bad-{run}", Day, "Google Inc.", new TlsPolicy(domain, 9,
            "sts", new TlsFailure("starttls-not-supported", "192.0.2.1", $"mx1.{domain}", 4))));
        byte[] Bad(string find, string replace) => System.Text.Encoding.UTF8.GetBytes(text.Replace(find, replace, StringComparison.Ordinal));
        using var bomb = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(bomb, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write("{\"organization-name\":\""u8);
            gzip.Write(new byte[16 * 1024 * 1024]);
        }

        var upload = await Upload.FilesAsync(
            Client,
            ($"{run}-a-negative.json", Bad("\"failed-session-count\":4", "\"failed-session-count\":-4")),
            ($"{run}-b-string.json", Bad("\"total-successful-session-count\":9", "\"total-successful-session-count\":\"9\"")),
            ($"{run}-c-huge.json", Bad("\"total-successful-session-count\":9", "\"total-successful-session-count\":123456789012345678901234567890")),
            ($"{run}-d-missing.json", Bad($"\"report-id\":\"bad-{run}\",", "")),
            ($"{run}-e-deep.json", System.Text.Encoding.UTF8.GetBytes("{\"policies\":" + new string('[', 50_000) + new string(']', 50_000) + "}")),
            ($"{run}-f-notjson.json", "{ this is not json }"u8.ToArray()),
            ($"{run}-g-bomb.json.gz", bomb.ToArray()),
            ($"{run}-h-good.json", good));

        Assert.Equal((1, 7), (upload.Stored, upload.Rejected));
        var reasons = upload.Files.Take(7).Select(f => (f.Outcome, f.Reason)).ToArray();
        Assert.Equal(
            [
                (FileOutcome.Rejected, RejectionReason.InvalidReportField), (FileOutcome.Rejected, RejectionReason.InvalidReportField),
                (FileOutcome.Rejected, RejectionReason.InvalidReportField), (FileOutcome.Rejected, RejectionReason.InvalidReportField),
                (FileOutcome.Rejected, RejectionReason.NestingTooDeep), (FileOutcome.Rejected, RejectionReason.MalformedJson),
                (FileOutcome.Rejected, RejectionReason.CompressionRatioExceeded),
            ],
            reasons);
        Assert.Contains("policies[0].failure-details[0].failed-session-count is -4; a session count cannot be negative", upload.Files[0].Error, StringComparison.Ordinal);
        Assert.Contains("policies[0].summary.total-successful-session-count is a string; expected a whole number", upload.Files[1].Error, StringComparison.Ordinal);
        Assert.Contains("total-successful-session-count is 123456789012345678901234567890", upload.Files[2].Error, StringComparison.Ordinal);
        Assert.Contains("report-id is missing", upload.Files[3].Error, StringComparison.Ordinal);
        Assert.Single(upload.Files[7].TlsReportIds);
        var history = await Upload.GetAsync<PagedResult<IngestionHistoryDto>>(Client, $"/api/ingestion/history?fileName={run}&outcome=Rejected");
        Assert.Equal(7, history.TotalCount);
        var list = await Upload.GetAsync<PagedResult<TlsReportSummaryDto>>(Client, $"/api/tls-reports?domain={domain}");
        Assert.Equal($"good-{run}", Assert.Single(list.Items).ReportId);
    }

    [Fact]
    public async Task List_pages_and_filters_by_period_and_bad_parameters_are_refused()
    {
        var run = NewRun();
        var domain = $"page-{run}.example";
        await Upload.FilesAsync(
            Client,
            ($"{run}-1.json", TlsReportJson.Build($"p1-{run}", Day, "A", new TlsPolicy(domain, 1))),
            ($"{run}-2.json", TlsReportJson.Build($"p2-{run}", Day.AddDays(1), "B", new TlsPolicy(domain, 2))),
            ($"{run}-3.json", TlsReportJson.Build($"p3-{run}", Day.AddDays(2), "C", new TlsPolicy(domain, 3))));

        var second = await Upload.GetAsync<PagedResult<TlsReportSummaryDto>>(Client, $"/api/tls-reports?domain={domain}&pageSize=2&page=2");
        var bySuccess = await Upload.GetAsync<PagedResult<TlsReportSummaryDto>>(Client, $"/api/tls-reports?domain={domain}&sort=-successful");
        var window = await Upload.GetAsync<PagedResult<TlsReportSummaryDto>>(
            Client, $"/api/tls-reports?domain={domain}&from={Uri.EscapeDataString(Day.AddDays(1).ToString("O"))}&to={Uri.EscapeDataString(Day.AddDays(2).ToString("O"))}");
        using var badSort = await Client.GetAsync("/api/tls-reports?sort=password");
        using var badRange = await Client.GetAsync($"/api/tls-reports/summary?from={Uri.EscapeDataString(Day.ToString("O"))}&to={Uri.EscapeDataString(Day.ToString("O"))}");
        using var missing = await Client.GetAsync("/api/tls-reports/987654321");

        Assert.Equal((2, 2, 3L), (second.Page, second.PageSize, second.TotalCount));
        Assert.Equal($"p1-{run}", Assert.Single(second.Items).ReportId);
        Assert.Equal([3L, 2L, 1L], bySuccess.Items.Select(r => r.SuccessfulSessions).ToArray());
        Assert.Equal($"p2-{run}", Assert.Single(window.Items).ReportId);
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}

public sealed class TlsReportsApiPostgreSqlTests(PostgreSqlApiFixture fixture) : TlsReportsApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class TlsReportsApiSqliteTests(SqliteApiFixture fixture) : TlsReportsApiTests(fixture), IClassFixture<SqliteApiFixture>;
