using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DmarcSecurity.Api.Tests;

/// <summary>PostgreSQL goes away while the Api runs (a TCP proxy in front of it cuts every connection and refuses new
/// ones, then lets them through again): requests are answered 503 with Retry-After and a problem naming the database, quickly, and the Api
/// recovers on its own; an upload refused meanwhile is stored whole when sent again.</summary>
public sealed class DatabaseDownTests : IAsyncLifetime
{
    private string _database = "";
    private TcpProxy? _proxy;
    private WebApplicationFactory<Program>? _factory;

    public async Task InitializeAsync()
    {
        _database = await TestDatabases.CreateAsync(DbProvider.PostgreSql);
        var target = new NpgsqlConnectionStringBuilder(_database);
        _proxy = new TcpProxy(target.Port);
        var relayed = new NpgsqlConnectionStringBuilder(_database) { Host = "127.0.0.1", Port = _proxy.Port, Timeout = 2 }.ConnectionString;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", relayed);
            web.UseSetting("Auth:SigningKey", ApiFixture.SigningKey);
        });
        await CreateAdminAsync();
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
        await TestDatabases.DropAsync(_database);
    }

    [Fact]
    public async Task While_the_database_is_down_requests_get_503_and_the_api_recovers_by_itself()
    {
        using var client = await AdminClientAsync();
        var report = ("down.xml", ReportXml.Build($"db-down-{Guid.NewGuid():N}"));
        using var before = await client.GetAsync("/api/reports");

        _proxy!.Refusing = true;
        _proxy.DropAll();
        var timer = Stopwatch.StartNew();
        using var read = await client.GetAsync("/api/reports");
        var readTook = timer.Elapsed;
        using var upload = await client.PostAsync("/api/ingest/files", Upload.Content(report));
        // As a probe asks: without credentials.
        using var probe = _factory!.CreateClient();
        using var healthDown = await probe.GetAsync("/health");
        var checksDown = await ChecksAsync(healthDown);
        _proxy.Refusing = false;
        var stored = await Upload.FilesAsync(client, report);
        using var healthUp = await probe.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
        Assert.True(readTook < TimeSpan.FromSeconds(1), $"the 503 took {readTook.TotalMilliseconds:N0} ms");
        Assert.Equal(TimeSpan.FromSeconds(5), read.Headers.RetryAfter?.Delta);
        using var problem = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        Assert.Equal("Database unavailable", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains(ResourceNames.Database, problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, upload.StatusCode);
        Assert.Equal(FileOutcome.Stored, Assert.Single(stored.Files).Outcome);
        // /health says which dependency is down, and is healthy again once it is back.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthDown.StatusCode);
        Assert.Equal("Unhealthy", checksDown["database"]);
        Assert.Equal("Healthy", checksDown["self"]);
        Assert.Equal(HttpStatusCode.OK, healthUp.StatusCode);
        Assert.Equal("Healthy", (await ChecksAsync(healthUp))["database"]);
    }

    private static async Task<Dictionary<string, string>> ChecksAsync(HttpResponseMessage health)
    {
        using var json = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!);
    }

    private async Task CreateAdminAsync() =>
        await _factory!.Services.GetRequiredService<DmarcSecurity.Api.Users.UserService>()
            .CreateAsync(ApiFixture.AdminEmail, null, DmarcSecurity.Data.Identity.UserRole.Admin, ApiFixture.AdminPassword, CancellationToken.None);

    private async Task<HttpClient> AdminClientAsync()
    {
        using var anonymous = _factory!.CreateClient();
        using var login = await anonymous.PostAsJsonAsync("/api/auth/login", new DmarcSecurity.Api.Auth.LoginRequest(ApiFixture.AdminEmail, ApiFixture.AdminPassword));
        var tokens = await login.Content.ReadFromJsonAsync<DmarcSecurity.Api.Auth.TokenResponse>(Upload.Json);
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", tokens!.AccessToken);
        return client;
    }
}
