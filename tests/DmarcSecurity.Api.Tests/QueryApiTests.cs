using System.Net;
using System.Text.Json;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Stats;

namespace DmarcSecurity.Api.Tests;

/// <summary>Query and stats endpoints over a small data set whose figures are known. Each test class owns its database,
/// and this class uses its own domains so its figures are not disturbed by other tests.</summary>
public abstract class QueryApiTests(ApiFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeOffset Day1 = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private HttpClient Client => fixture.Client;

    public async Task InitializeAsync()
    {
        var existing = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(Client, "/api/reports?domain=q-alpha.example");
        if (existing.TotalCount > 0)
        {
            return;
        }

        // alpha: 100 passing from Google's view on day 1; 30 failing (reject) from 203.0.113.0/24 reported by Yahoo on day 1.
        // beta: one 48 h report of 80 messages spread over days 1 and 2, 20 of them failing DKIM but passing SPF (so passing DMARC).
        var result = await Upload.FilesAsync(Client,
            ("a1.xml", ReportXml.Build("q-a1", "q-alpha.example", "google.com", Day1, null,
                new TestRecord("198.51.100.1", 60), new TestRecord("198.51.100.2", 40))),
            ("a2.xml", ReportXml.Build("q-a2", "q-alpha.example", "yahoo.com", Day1, null,
                new TestRecord("203.0.113.9", 20, "reject", "fail", "fail"), new TestRecord("203.0.113.77", 10, "quarantine", "fail", "fail"))),
            ("b1.xml", ReportXml.Build("q-b1", "q-beta.example", "google.com", Day1, TimeSpan.FromDays(2),
                new TestRecord("198.51.100.1", 60), new TestRecord("2001:db8:5::1", 20, "none", "fail", "pass"))));
        Assert.Equal(3, result.Stored);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Range = "from=2026-10-01T00:00:00Z&to=2026-10-03T00:00:00Z";

    [Fact]
    public async Task Reports_list_filters_by_domain_and_reporter_and_pages()
    {
        var alpha = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(Client, "/api/reports?domain=q-alpha.example&sort=id");
        var yahoo = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(Client, "/api/reports?domain=q-alpha.example&reporter=yahoo.com");
        var page2 = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(Client, "/api/reports?domain=q-alpha.example&sort=id&page=2&pageSize=1");

        Assert.Equal(["q-a1", "q-a2"], alpha.Items.Select(r => r.ReportId).ToArray());
        Assert.Equal("q-a2", Assert.Single(yahoo.Items).ReportId);
        Assert.Equal((2, 1, 2L), (page2.Page, page2.PageSize, page2.TotalCount));
        Assert.Equal("q-a2", Assert.Single(page2.Items).ReportId);
    }

    [Fact]
    public async Task Records_filter_by_cidr_disposition_and_results()
    {
        var cidr = await Upload.GetAsync<PagedResult<RecordDto>>(Client, "/api/records?sourceIp=203.0.113.0/24&sort=count");
        var rejected = await Upload.GetAsync<PagedResult<RecordDto>>(Client, "/api/records?domain=q-alpha.example&disposition=reject");
        var v6 = await Upload.GetAsync<PagedResult<RecordDto>>(Client, "/api/records?sourceIp=2001:db8::/32&dkim=fail&spf=pass");

        Assert.Equal(["203.0.113.77", "203.0.113.9"], cidr.Items.Select(r => r.SourceIp).ToArray());
        Assert.Equal("203.0.113.9", Assert.Single(rejected.Items).SourceIp);
        Assert.Equal(20, Assert.Single(v6.Items).Count);
    }

    [Fact]
    public async Task Bad_filters_are_answered_with_problem_details()
    {
        using var badIp = await Client.GetAsync("/api/records?sourceIp=300.1.1.1/99");
        using var badRange = await Client.GetAsync("/api/reports?from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z");
        using var badPage = await Client.GetAsync("/api/reports?pageSize=100000");
        using var badSort = await Client.GetAsync("/api/reports?sort=nonsense");
        using var missing = await Client.GetAsync("/api/reports/987654321");

        foreach (var response in new[] { badIp, badRange, badPage, badSort })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Contains("sourceIp", await badIp.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.DoesNotContain("   at ", await badSort.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Summary_counts_messages_pass_and_fail_for_the_filter()
    {
        var alpha = await Upload.GetAsync<SummaryDto>(Client, $"/api/stats/summary?domain=q-alpha.example&{Range}");

        Assert.Equal((2L, 4L, 130L, 100L, 30L), (alpha.Reports, alpha.Records, alpha.Messages, alpha.Passing, alpha.Failing));
        Assert.Equal(100.0 / 130, alpha.PassRate, 3);
        Assert.Equal((1L, 4L, 2L), (alpha.Domains, alpha.Sources, alpha.Reporters));
        Assert.Equal(20, alpha.Dispositions["reject"]);
        Assert.Equal(10, alpha.Dispositions["quarantine"]);
    }

    [Fact]
    public async Task Timeline_spreads_a_48_hour_report_over_both_days()
    {
        var beta = await Upload.GetAsync<List<TimelinePointDto>>(Client, $"/api/stats/timeline?domain=q-beta.example&{Range}");

        Assert.Equal([new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 2)], beta.Select(p => p.Day).ToArray());
        Assert.All(beta, p => Assert.Equal(40, p.Messages, 1));
        Assert.All(beta, p => Assert.Equal(0, p.Failing, 1));
        Assert.All(beta, p => Assert.Equal(30, p.DkimAlignedPass, 1));
    }

    [Fact]
    public async Task Domains_sources_alignment_and_reporters_agree_with_the_data()
    {
        var domains = await Upload.GetAsync<List<DomainStatsDto>>(Client, $"/api/stats/domains?{Range}");
        var sources = await Upload.GetAsync<List<SourceStatsDto>>(Client, $"/api/stats/sources?domain=q-alpha.example&top=2&{Range}");
        var alignment = await Upload.GetAsync<AlignmentDto>(Client, $"/api/stats/alignment?domain=q-beta.example&{Range}");
        var reporters = await Upload.GetAsync<List<ReporterStatsDto>>(Client, $"/api/stats/reporters?domain=q-alpha.example&{Range}");

        var alpha = domains.Single(d => d.Domain == "q-alpha.example");
        Assert.Equal((130L, 30L, 4L), (alpha.Messages, alpha.Failing, alpha.Sources));
        Assert.Equal(["198.51.100.1", "198.51.100.2"], sources.Select(s => s.SourceIp).ToArray());
        Assert.Equal(0, sources[0].FailureRate);
        Assert.Equal((80L, 60L, 80L, 60L, 0L, 20L, 0L),
            (alignment.Messages, alignment.DkimPass, alignment.SpfPass, alignment.BothPass, alignment.DkimOnly, alignment.SpfOnly, alignment.Neither));
        Assert.Equal([("google.com", 100L), ("yahoo.com", 30L)], reporters.OrderBy(r => r.OrgName).Select(r => (r.OrgName, r.Messages)).ToArray());
    }

    [Fact]
    public async Task Dashboard_answers_every_card_and_sources_rank_by_failing_on_request()
    {
        var dashboard = await Upload.GetAsync<DashboardDto>(Client, $"/api/stats/dashboard?domain=q-alpha.example&top=2&{Range}");
        var failing = await Upload.GetAsync<List<SourceStatsDto>>(Client, $"/api/stats/sources?domain=q-alpha.example&order=FAILING&{Range}");
        using var wrongOrder = await Client.GetAsync("/api/stats/sources?order=loudest");

        Assert.Equal((130L, 30L, 4L), (dashboard.Summary.Messages, dashboard.Summary.Failing, dashboard.Summary.Sources));
        Assert.Equal(["198.51.100.1", "198.51.100.2"], dashboard.TopSources.Select(s => s.SourceIp).ToArray());
        Assert.Equal(failing.Take(2), dashboard.TopFailing);
        Assert.All(dashboard.TopFailing, s => Assert.True(s.Failing > 0));
        Assert.Equal([("q-alpha.example", 4L)], dashboard.Domains.Select(d => (d.Domain, d.Sources)).ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, wrongOrder.StatusCode);
        Assert.Contains("order must be one of Messages, Failing", await wrongOrder.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openapi_document_health_and_api_page_are_served()
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        var page = await Client.GetStringAsync("/api-docs/index.html");
        using var health = await Client.GetAsync("/health");
        using var alive = await Client.GetAsync("/alive");

        Assert.Contains("/api/ingest/files", paths);
        Assert.Contains("/api/stats/timeline", paths);
        Assert.Contains("/api/records", paths);
        Assert.Contains("swagger", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class QueryApiPostgreSqlTests(PostgreSqlApiFixture fixture) : QueryApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class QueryApiSqliteTests(SqliteApiFixture fixture) : QueryApiTests(fixture), IClassFixture<SqliteApiFixture>;
