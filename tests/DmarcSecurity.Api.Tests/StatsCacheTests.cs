using System.Net;
using System.Security.Cryptography;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Stats;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests;

/// <summary>The statistics answers are cached and never stale after an upload: in one Api's memory without Redis, and
/// across Api replicas that share a Redis, which may also go away and come back.</summary>
public abstract class StatsCacheTests(ApiFixture fixture)
{
    protected ApiFixture Fixture => fixture;

    protected static string NewDomain() => $"cache-{Guid.NewGuid():N}"[..18] + ".example";

    protected static async Task<long> MessagesAsync(HttpClient client, string domain) =>
        (await Upload.GetAsync<SummaryDto>(client, $"/api/stats/summary?domain={domain}")).Messages;

    protected static async Task UploadAsync(HttpClient client, string domain, int messages)
    {
        var stored = await Upload.FilesAsync(client, ($"{Guid.NewGuid():N}.xml", Report(domain, messages)));
        Assert.Equal(1, stored.Stored);
    }

    /// <summary>Stores a report through the data layer, behind the Api's back: what a cached answer does not see.</summary>
    protected static async Task StoreBehindTheApisBackAsync(IServiceProvider services, string domain, int messages)
    {
        var bytes = Report(domain, messages);
        var reports = new ReportExtractor(new ExtractionLimits()).Extract(new MemoryStream(bytes), "behind.xml");
        var file = new IncomingFile(Convert.ToHexStringLower(SHA256.HashData(bytes)), "tests", "behind.xml", bytes.Length, DateTimeOffset.UtcNow);
        var result = await services.GetRequiredService<IReportIngestor>().StoreAsync(file, reports, CancellationToken.None);
        Assert.Equal(FileOutcome.Stored, result.Outcome);
    }

    private static byte[] Report(string domain, int messages) =>
        ReportXml.Build($"cache-{Guid.NewGuid():N}", domain, begin: DateTimeOffset.UtcNow.Date.AddDays(-2), records: [new TestRecord("192.0.2.40", messages)]);

    [Fact]
    public async Task An_answer_is_cached_until_the_next_upload_and_never_after_it()
    {
        var domain = NewDomain();
        Assert.Equal(0, await MessagesAsync(fixture.Client, domain));

        await UploadAsync(fixture.Client, domain, 5);
        Assert.Equal(5, await MessagesAsync(fixture.Client, domain));

        await StoreBehindTheApisBackAsync(fixture.Factory.Services, domain, 7);
        Assert.Equal(5, await MessagesAsync(fixture.Client, domain));
        var dashboard = await Upload.GetAsync<DashboardDto>(fixture.Client, $"/api/stats/dashboard?domain={domain}");
        Assert.Equal(12, dashboard.Summary.Messages);

        await UploadAsync(fixture.Client, domain, 11);
        Assert.Equal(23, await MessagesAsync(fixture.Client, domain));
        Assert.Equal(23, (await Upload.GetAsync<DashboardDto>(fixture.Client, $"/api/stats/dashboard?domain={domain}")).Summary.Messages);
    }
}

public sealed class StatsCachePostgreSqlTests(PostgreSqlApiFixture fixture) : StatsCacheTests(fixture), IClassFixture<PostgreSqlApiFixture>
{
    [Fact]
    public async Task Replicas_sharing_a_Redis_see_each_others_uploads_and_answer_uncached_while_it_is_down()
    {
        using var redis = RedisServer.Start(own: true);
        KeyValuePair<string, string>[] shared = [new($"ConnectionStrings:{ResourceNames.Cache}", redis.ConnectionString)];
        await using var one = Fixture.CreateFactory(shared);
        await using var two = Fixture.CreateFactory(shared);
        using var first = Client(one);
        using var second = Client(two);
        var domain = NewDomain();
        Assert.Equal(0, await MessagesAsync(first, domain));
        Assert.Equal(0, await MessagesAsync(second, domain));

        // An upload to one replica is seen by the other at once, from its cache or not.
        await UploadAsync(second, domain, 5);
        Assert.Equal(5, await MessagesAsync(first, domain));
        await StoreBehindTheApisBackAsync(one.Services, domain, 7);
        Assert.Equal(5, await MessagesAsync(first, domain));
        Assert.Equal(5, await MessagesAsync(second, domain));

        // Redis gone: answers come from the database, /health names the cache, uploads are still stored.
        redis.Stop();
        Assert.Equal(12, await MessagesAsync(first, domain));
        await UploadAsync(second, domain, 11);
        Assert.Equal(23, await MessagesAsync(first, domain));
        using (var health = await first.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("\"name\":\"cache\",\"status\":\"Unhealthy\"", (await health.Content.ReadAsStringAsync()).Replace(" ", ""), StringComparison.Ordinal);
        }

        // Back, empty: no answer from before comes back.
        redis.Resume();
        await StoreBehindTheApisBackAsync(one.Services, domain, 13);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await MessagesAsync(first, domain) != 36)
        {
            Assert.True(DateTime.UtcNow < deadline, "the replica did not answer from the database after Redis came back");
            await Task.Delay(200);
        }

        Assert.Equal(36, await MessagesAsync(second, domain));
    }

    private HttpClient Client(WebApplicationFactory<Program> factory)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", Fixture.AdminApiKey);
        return client;
    }
}

public sealed class StatsCacheSqliteTests(SqliteApiFixture fixture) : StatsCacheTests(fixture), IClassFixture<SqliteApiFixture>;
