using System.Net;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Stats;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests;

/// <summary>Every source of a domain and period, a page at a time, with who each is.</summary>
public abstract class SourcesListApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task Sources_are_listed_a_page_at_a_time_for_a_domain_and_period()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var domain = $"sources-{run}.example";
        var day = new DateTimeOffset(2026, 10, 5, 0, 0, 0, TimeSpan.Zero);
        await Upload.FilesAsync(fixture.Client,
            ($"{run}-1.xml", ReportXml.Build($"a-{run}", domain, begin: day, records:
                [new TestRecord("192.0.2.1", 30, HeaderFrom: domain), new TestRecord("192.0.2.2", 20, "reject", "fail", "fail", domain), new TestRecord("192.0.2.3", 10, HeaderFrom: domain)])),
            ($"{run}-2.xml", ReportXml.Build($"b-{run}", domain, begin: day.AddDays(20), records: [new TestRecord("192.0.2.4", 99, HeaderFrom: domain)])));

        var page2 = await Upload.GetAsync<PagedResult<SourceStatsDto>>(fixture.Client, $"/api/sources?domain={domain}&pageSize=2&page=2");
        var october5 = await Upload.GetAsync<PagedResult<SourceStatsDto>>(
            fixture.Client, $"/api/sources?domain={domain}&from={Uri.EscapeDataString(day.ToString("O"))}&to={Uri.EscapeDataString(day.AddDays(1).ToString("O"))}&order=failing");
        using var badOrder = await fixture.Client.GetAsync("/api/sources?order=loudest");
        using var badPage = await fixture.Client.GetAsync("/api/sources?page=0");

        Assert.Equal((4L, 2, 2), (page2.TotalCount, page2.Page, page2.PageSize));
        Assert.Equal(["192.0.2.2", "192.0.2.3"], page2.Items.Select(s => s.SourceIp));
        Assert.All(page2.Items, s => Assert.NotNull(s.Identity));
        var failing = Assert.Single(october5.Items);
        Assert.Equal(("192.0.2.2", 20L, 20L), (failing.SourceIp, failing.Messages, failing.Failing));
        Assert.Equal(HttpStatusCode.BadRequest, badOrder.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
    }
}

public sealed class SourcesListApiPostgreSqlTests(PostgreSqlApiFixture fixture) : SourcesListApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class SourcesListApiSqliteTests(SqliteApiFixture fixture) : SourcesListApiTests(fixture), IClassFixture<SqliteApiFixture>;
