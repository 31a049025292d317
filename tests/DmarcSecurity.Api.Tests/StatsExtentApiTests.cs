using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Stats;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests;

/// <summary>The period the reports cover, which the views use to show imported history rather than an empty page.</summary>
public abstract class StatsExtentApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task Extent_is_the_earliest_begin_and_latest_end_of_the_domains_reports_whatever_the_dates_asked()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var domain = $"extent-{run}.example";
        var first = new DateTimeOffset(2023, 12, 30, 0, 0, 0, TimeSpan.Zero);
        var last = new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero);
        await Upload.FilesAsync(fixture.Client,
            ($"{run}-1.xml", ReportXml.Build($"a-{run}", domain, begin: first)),
            ($"{run}-2.xml", ReportXml.Build($"b-{run}", domain, begin: last, span: TimeSpan.FromDays(2))),
            ($"{run}-3.xml", ReportXml.Build($"c-{run}", $"other-{run}.example", begin: last.AddYears(1))));

        var extent = await Upload.GetAsync<DataExtentDto>(fixture.Client, $"/api/stats/extent?domain={domain.ToUpperInvariant()}&from=2026-01-01T00:00:00Z");
        var none = await Upload.GetAsync<DataExtentDto>(fixture.Client, $"/api/stats/extent?domain=nothing-{run}.example");

        Assert.Equal(new DataExtentDto(2, first, last.AddDays(2).AddSeconds(-1)), extent);
        Assert.Equal(new DataExtentDto(0, null, null), none);
    }
}

public sealed class StatsExtentApiPostgreSqlTests(PostgreSqlApiFixture fixture) : StatsExtentApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class StatsExtentApiSqliteTests(SqliteApiFixture fixture) : StatsExtentApiTests(fixture), IClassFixture<SqliteApiFixture>;
