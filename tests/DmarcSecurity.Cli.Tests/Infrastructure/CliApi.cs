using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.ApiKeys;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Cli.Hosting;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Cli.Tests.Infrastructure;

/// <summary>The real Api in process on a SQLite database of its own, an Admin with an API key, and the tool run
/// in process against it through the test server's handler.</summary>
public sealed class CliApi : IAsyncLifetime
{
    public const string SigningKey = "tests-only-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP";
    public const string AdminEmail = "admin@cli-tests.example";
    public const string AdminPassword = "correct-horse-battery-9";

    /// <summary>The test server answers any host; this is the address the tool is given.</summary>
    public const string Address = "http://localhost/";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private WebApplicationFactory<global::Program>? _factory;
    private string _connectionString = "";

    public WebApplicationFactory<global::Program> Factory => _factory ?? throw new InvalidOperationException("Not initialised.");

    public string AdminApiKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _connectionString = await TestDatabases.CreateAsync(DbProvider.Sqlite);
        _factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", _connectionString);
            web.UseSetting("Auth:SigningKey", SigningKey);
            web.UseSetting("Auth:AnonymousPermitsPerMinute", "100000");
            web.UseSetting("Auth:PermitsPerMinute", "100000");
        });

        AdminApiKey = await CreateUserWithKeyAsync(AdminEmail, UserRole.Admin);
    }

    /// <summary>Creates a user, signs in as them and gives them an API key, as a person would.</summary>
    public async Task<string> CreateUserWithKeyAsync(string email, UserRole role)
    {
        var created = await Factory.Services.GetRequiredService<UserService>().CreateAsync(email, null, role, AdminPassword, CancellationToken.None);
        Assert.True(created.Value is not null, created.Message);

        using var anonymous = Factory.CreateClient();
        using var login = await anonymous.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, AdminPassword));
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();

        using var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var response = await client.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest("dmarcsec", null, null, null), s_json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>A client of the Api with the Admin's key, for arranging and checking what the tool did.</summary>
    public HttpClient Client()
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, AdminApiKey);
        return client;
    }

    /// <summary>Runs <c>dmarcsec</c> with the Admin's key and the Api's address in its environment.</summary>
    public Task<CliRun> RunAsync(params string[] args) =>
        CliRun.RunAsync(args, Environment(), Factory.Server.CreateHandler());

    /// <summary>Runs a <c>dmarcsec</c> command that runs until stopped, and stops it once <paramref name="until"/> holds
    /// for what it has printed (or after two minutes).</summary>
    public Task<CliRun> RunUntilAsync(Func<string, bool> until, params string[] args) =>
        CliRun.RunUntilAsync(args, Environment(), Factory.Server.CreateHandler(), until, TimeSpan.FromMinutes(2));

    private Dictionary<string, string> Environment() =>
        new() { [CliHost.ApiVariable] = Address, [CliHost.ApiKeyVariable] = AdminApiKey };

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await TestDatabases.DropAsync(_connectionString);
    }
}
