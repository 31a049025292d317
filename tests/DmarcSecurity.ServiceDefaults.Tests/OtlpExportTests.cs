using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.ServiceDefaults.Tests;

/// <summary>Telemetry really leaves the process: a small OTLP/HTTP receiver stands in for the collector.</summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly ConcurrentBag<(string Path, byte[] Body)> _received = [];
    private WebApplication _receiver = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Add((context.Request.Path.Value!, body.ToArray()));
            context.Response.ContentType = "application/x-protobuf";
            return Results.Ok();
        });
        await _receiver.StartAsync();
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Spans_metrics_and_logs_reach_an_otlp_http_endpoint_with_the_service_name()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Urls.Single();
        builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        builder.Configuration["OTEL_SERVICE_NAME"] = "otlp-test-service";
        builder.Configuration["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=test";
        builder.AddServiceDefaults();
        using var source = new ActivitySource("DmarcSecurity.OtlpTest");
        using var meter = new Meter("DmarcSecurity.OtlpTest");
        var counter = meter.CreateCounter<long>("dmarc.test.counter");

        await using (var app = builder.Build())
        {
            app.MapGet("/work", (ILogger<OtlpExportTests> logger) =>
            {
                using var activity = source.StartActivity("dmarc-test-span");
                counter.Add(3);
                logger.LogWarning("otlp-test-log-line {Value}", 42);
                return "done";
            });
            await app.StartAsync();
            using var client = new HttpClient();
            Assert.Equal("done", await client.GetStringAsync(app.Urls.Single() + "/work"));
            await app.StopAsync();
        }

        string Bodies(string path) => string.Concat(_received.Where(r => r.Path == path).Select(r => Encoding.UTF8.GetString(r.Body)));
        var traces = Bodies("/v1/traces");
        Assert.Contains("dmarc-test-span", traces);
        Assert.Contains("otlp-test-service", traces);
        Assert.Contains("deployment.environment", traces);
        // The ASP.NET Core instrumentation's server span for the request is exported too, with its semantic-convention tags.
        Assert.Contains("GET /work", traces);
        Assert.Contains("http.response.status_code", traces);
        Assert.Contains("url.path", traces);
        Assert.Contains("/work", traces);
        Assert.Contains("dmarc.test.counter", Bodies("/v1/metrics"));
        Assert.Contains("otlp-test-log-line", Bodies("/v1/logs"));
    }
}
