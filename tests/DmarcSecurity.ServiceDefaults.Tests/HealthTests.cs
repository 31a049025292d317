using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DmarcSecurity.ServiceDefaults.Health;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.ServiceDefaults.Tests;

/// <summary><c>/health</c> names each dependency and its status: the Redis of <c>ConnectionStrings__cache</c> among
/// them when a host has one.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Health_names_the_Redis_that_cannot_be_reached()
    {
        var (status, checks) = await HealthAsync($"127.0.0.1:{ClosedPort().ToString(CultureInfo.InvariantCulture)}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", checks[HealthEndpoints.CacheCheck]);
        Assert.Equal("Healthy", checks["self"]);
    }

    [Fact]
    public async Task Health_is_healthy_while_Redis_answers()
    {
        using var redis = RedisServer.Start();

        var (status, checks) = await HealthAsync(redis.ConnectionString);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", checks[HealthEndpoints.CacheCheck]);
    }

    [Fact]
    public async Task Without_Redis_configured_there_is_no_cache_check()
    {
        var (status, checks) = await HealthAsync(null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["self"], checks.Keys);
    }

    private static async Task<(HttpStatusCode Status, Dictionary<string, string> Checks)> HealthAsync(string? redis)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (redis is not null)
        {
            builder.Configuration[$"ConnectionStrings:{ResourceNames.Cache}"] = redis;
        }

        builder.AddServiceDefaults();
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        using var client = new HttpClient();
        using var response = await client.GetAsync(app.Urls.Single() + HealthEndpoints.HealthPath);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        await app.StopAsync();
        return (response.StatusCode, json.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!));
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
