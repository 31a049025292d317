using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.ServiceDefaults.Tests;

public sealed class HttpResilienceTests : IAsyncLifetime
{
    private WebApplication _server = null!;
    private int _calls;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        // Fails twice, then answers.
        _server.Map("/flaky", () => Interlocked.Increment(ref _calls) <= 2 ? Results.StatusCode(503) : Results.Text("ok"));
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static HttpClient CreateClient()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        var host = builder.Build();
        return host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
    }

    [Fact]
    public async Task Idempotent_requests_are_retried_through_transient_failures()
    {
        using var client = CreateClient();

        var body = await client.GetStringAsync(_server.Urls.Single() + "/flaky");

        Assert.Equal("ok", body);
        Assert.Equal(3, _calls);
    }

    [Fact]
    public async Task Posts_are_not_retried()
    {
        using var client = CreateClient();

        using var response = await client.PostAsync(_server.Urls.Single() + "/flaky", new StringContent("x"));

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(1, _calls);
    }
}
