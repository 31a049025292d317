using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests;

/// <summary>/metrics for Prometheus: off unless asked for, guarded by its bearer token, in a format promtool accepts,
/// with the platform's own counters in it.</summary>
public abstract class MetricsTests(ApiFixture fixture)
{
    public const string Token = "scrape-token-for-tests";

    [Fact]
    public async Task A_scrape_with_the_token_reads_the_ingestion_counters_in_valid_Prometheus_format()
    {
        await Upload.FilesAsync(fixture.Client, ("metrics.xml", ReportXml.Build(Guid.NewGuid().ToString("N"), "metrics.example")));
        using var unauthorised = await fixture.Factory.CreateClient().GetAsync("/metrics");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var scraped = await fixture.Factory.CreateClient().SendAsync(request);
        var text = await scraped.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("dmarc_ingest_files", text, StringComparison.Ordinal);
        Assert.Contains("outcome=\"Stored\"", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        var (exit, output) = await PromtoolAsync(text);
        Assert.True(exit == 0, $"promtool check metrics: {output}");
    }

    /// <summary>Runs <c>promtool check metrics</c> on the scrape; lint warnings (exit 3 in some versions) are not
    /// errors of the format, so only a failure to parse (exit 1) fails.</summary>
    private static async Task<(int Exit, string Output)> PromtoolAsync(string metrics)
    {
        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(metrics);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode == 3 ? 0 : process.ExitCode, output);
    }
}

public abstract class MetricsApiFixture : ApiFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [new("Metrics:Prometheus", "true"), new("Metrics:BearerToken", MetricsTests.Token)];
}

public sealed class MetricsPostgreSqlApiFixture : MetricsApiFixture
{
    public override DbProvider Provider => DbProvider.PostgreSql;
}

public sealed class MetricsSqliteApiFixture : MetricsApiFixture
{
    public override DbProvider Provider => DbProvider.Sqlite;
}

[Trait("Provider", "PostgreSql")]
public sealed class MetricsPostgreSqlTests(MetricsPostgreSqlApiFixture fixture) : MetricsTests(fixture), IClassFixture<MetricsPostgreSqlApiFixture>;

public sealed class MetricsSqliteTests(MetricsSqliteApiFixture fixture) : MetricsTests(fixture), IClassFixture<MetricsSqliteApiFixture>;
