using System.Net.Http.Headers;
using System.Net.Http.Json;
using DmarcSecurity.Api.ApiKeys;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Api.Tests.Infrastructure;

/// <summary>The Api on a database of its own, PostgreSQL or SQLite, with an Admin signed in through an API key.
/// Everything the Api logs is captured in <see cref="Logs"/>.</summary>
public abstract class ApiFixture : IAsyncLifetime
{
    /// <summary>Test-only signing key (the Api refuses to start outside Development without one).</summary>
    public const string SigningKey = "tests-only-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP";

    /// <summary>A lower upload cap than the default so the 413 path is cheap to reach.</summary>
    public const long MaxUploadBytes = 64L * 1024 * 1024;

    public const string AdminEmail = "admin@tests.example";
    public const string AdminPassword = "correct-horse-battery-9";

    private WebApplicationFactory<Program>? _factory;

    public abstract DbProvider Provider { get; }

    public string ConnectionString { get; private set; } = "";

    public CapturedLogs Logs { get; } = new();

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>Signed in as the Admin through an Admin API key.</summary>
    public HttpClient Client { get; private set; } = null!;

    public string AdminApiKey { get; private set; } = "";

    /// <summary>Extra settings a derived fixture needs.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabases.CreateAsync(Provider);
        _factory = CreateFactory(Settings);
        await CreateUserAsync(AdminEmail, UserRole.Admin, AdminPassword);
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        AdminApiKey = await CreateApiKeyAsync(admin, "tests-admin");
        Client = WithApiKey(AdminApiKey);
    }

    /// <summary>Stops the Api and starts it again on the same database and settings, as a restart of the process would.</summary>
    public async Task RestartAsync()
    {
        Client.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        _factory = CreateFactory(Settings);
        Client = WithApiKey(AdminApiKey);
    }

    /// <summary>The Api on this fixture's database with <paramref name="settings"/> on top of the common ones; not started
    /// until first used.</summary>
    public WebApplicationFactory<Program> CreateFactory(IEnumerable<KeyValuePair<string, string>> settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", ConnectionString);
            web.UseSetting("Ingestion:MaxUploadBytes", MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            web.UseSetting("Auth:SigningKey", SigningKey);
            web.UseSetting("Auth:AnonymousPermitsPerMinute", "100000");
            web.UseSetting("Auth:PermitsPerMinute", "100000");
            // Hermetic by default: no reverse DNS to the machine's resolvers; the enrichment tests bring their own.
            web.UseSetting("Enrichment:Dns:Enabled", "false");
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        });

    public HttpClient Anonymous() => Factory.CreateClient();

    public HttpClient WithApiKey(string key)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return client;
    }

    public HttpClient WithBearer(string accessToken)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>Creates a user directly through the service (there is no self-registration to go through).</summary>
    public async Task<UserDto> CreateUserAsync(string email, UserRole role, string password)
    {
        var created = await Factory.Services.GetRequiredService<UserService>().CreateAsync(email, null, role, password, CancellationToken.None);
        return created.Value?.User ?? throw new InvalidOperationException(created.Message);
    }

    public async Task<TokenResponse> LoginAsync(string email, string password)
    {
        using var client = Anonymous();
        using var response = await client.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, password));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"login {email}: {(int)response.StatusCode} {body}");
        return System.Text.Json.JsonSerializer.Deserialize<TokenResponse>(body, Upload.Json)!;
    }

    public async Task<HttpClient> SignInAsync(string email, string password) => WithBearer((await LoginAsync(email, password)).AccessToken);

    public static async Task<string> CreateApiKeyAsync(HttpClient client, string name, UserRole? role = null, DateTimeOffset? expiresAt = null, long? userId = null)
    {
        using var response = await client.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest(name, role, expiresAt, userId), Upload.Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"create key: {(int)response.StatusCode} {body}");
        return System.Text.Json.JsonSerializer.Deserialize<CreatedApiKey>(body, Upload.Json)!.Key;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await TestDatabases.DropAsync(ConnectionString);
    }
}

public sealed class PostgreSqlApiFixture : ApiFixture
{
    public override DbProvider Provider => DbProvider.PostgreSql;
}

public sealed class SqliteApiFixture : ApiFixture
{
    public override DbProvider Provider => DbProvider.Sqlite;
}
