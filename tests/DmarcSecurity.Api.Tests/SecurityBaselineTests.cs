using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests;

/// <summary>Start-up refusals, headers, CORS, rate limits, the first Admin, and the OpenAPI description of both schemes.
/// Each test builds its own host on a fresh SQLite database.</summary>
public sealed class SecurityBaselineTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _hosts = [];
    private readonly List<string> _databases = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            await TestDatabases.DropAsync(database);
        }
    }

    private async Task<WebApplicationFactory<Program>> HostAsync(string environment, params (string Key, string? Value)[] settings)
    {
        var database = await TestDatabases.CreateAsync(DbProvider.Sqlite);
        _databases.Add(database);
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment(environment);
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", database);
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        _hosts.Add(factory);
        return factory;
    }

    [Fact]
    public async Task Production_start_without_a_signing_key_fails_naming_the_setting()
    {
        var factory = await HostAsync("Production");

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Auth__SigningKey", error.ToString());
    }

    [Fact]
    public async Task A_signing_key_shorter_than_64_characters_is_refused_at_start()
    {
        var factory = await HostAsync("Production", ("Auth:SigningKey", new string('k', 63)));

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("at least 64", error.ToString());
    }

    [Fact]
    public async Task Responses_carry_the_security_headers_and_hsts_outside_development()
    {
        var factory = await HostAsync("Production", ("Auth:SigningKey", ApiFixture.SigningKey), ("AllowedHosts", "dmarc.example"));
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://dmarc.example") });

        using var response = await client.GetAsync("/api/reports");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.StartsWith("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task A_host_name_outside_allowed_hosts_is_refused()
    {
        var factory = await HostAsync("Production", ("Auth:SigningKey", ApiFixture.SigningKey), ("AllowedHosts", "dmarc.example"));
        using var forged = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://evil.example") });
        using var allowed = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://dmarc.example") });

        using var refused = await forged.GetAsync("/alive");
        using var answered = await allowed.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    [Fact]
    public async Task The_api_documentation_page_carries_the_security_headers_and_cannot_be_framed()
    {
        var factory = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey));

        using var page = await factory.CreateClient().GetAsync("/api-docs/index.html");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task A_refused_token_gets_a_bare_bearer_challenge_outside_development()
    {
        var factory = await HostAsync("Production", ("Auth:SigningKey", ApiFixture.SigningKey));
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged");

        using var response = await client.GetAsync("/api/reports");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task An_unsigned_token_is_refused()
    {
        var factory = await HostAsync("Production", ("Auth:SigningKey", ApiFixture.SigningKey));
        using var client = factory.CreateClient();
        static string Part(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var unsigned = $"{Part("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{Part("{\"sub\":\"1\",\"role\":\"Admin\",\"iss\":\"dmarcsecurity\",\"aud\":\"dmarcsecurity-api\",\"exp\":4102444800}")}.";
        client.DefaultRequestHeaders.Authorization = new("Bearer", unsigned);

        using var response = await client.GetAsync("/api/users");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task All_of_a_users_api_keys_share_one_rate_limit()
    {
        var factory = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey), ("Auth:PermitsPerMinute", "5"));
        var users = factory.Services.GetRequiredService<DmarcSecurity.Api.Users.UserService>();
        await users.CreateAsync("keys@limit.example", null, DmarcSecurity.Data.Identity.UserRole.Viewer, "limit-passphrase-42", CancellationToken.None);
        using var anonymous = factory.CreateClient();
        using var login = await anonymous.PostAsJsonAsync("/api/auth/login", new LoginRequest("keys@limit.example", "limit-passphrase-42"));
        using var bearer = factory.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<TokenResponse>(Upload.Json))!.AccessToken);
        var keys = new[] { await ApiFixture.CreateApiKeyAsync(bearer, "first"), await ApiFixture.CreateApiKeyAsync(bearer, "second") };

        var statuses = new List<HttpStatusCode>();
        foreach (var key in new[] { keys[0], keys[1], keys[0], keys[1] })
        {
            using var client = factory.CreateClient();
            client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, key);
            using var response = await client.GetAsync("/api/auth/me");
            statuses.Add(response.StatusCode);
        }

        // Two key creations and three calls spend the five permits, whichever key made them.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Sign_ins_forwarded_by_the_web_app_are_limited_and_audited_per_real_client()
    {
        const string hopKey = "web-hop-key-for-tests-0123456789abcdef";
        var factory = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey), ("Auth:AnonymousPermitsPerMinute", "3"), ("Auth:WebHopKey", hopKey));
        using var client = factory.CreateClient();

        async Task<HttpStatusCode> SignInFrom(string address, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
            {
                Content = JsonContent.Create(new LoginRequest("nobody@hop.example", "wrong-password-123")),
            };
            request.Headers.Add(WebHop.KeyHeader, key);
            request.Headers.Add(WebHop.ClientAddressHeader, address);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        var attacker = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            attacker.Add(await SignInFrom("198.51.100.66", hopKey));
        }

        var colleague = await SignInFrom("198.51.100.7", hopKey);
        var spoofed = await SignInFrom("198.51.100.8", "not-the-key-not-the-key-not-the-key-00");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], attacker);
        Assert.Equal(HttpStatusCode.Unauthorized, colleague);
        Assert.Equal(HttpStatusCode.Unauthorized, spoofed);
        var audit = factory.Services.GetRequiredService<IDbContextFactory<DmarcSecurity.Data.Database.DmarcDbContext>>();
        await using var db = await audit.CreateDbContextAsync();
        var addresses = await db.AuditEntries.Where(e => e.UserEmail == "nobody@hop.example").Select(e => e.ClientAddress).ToListAsync();
        Assert.Equal(3, addresses.Count(a => a == "198.51.100.66"));
        Assert.Equal(1, addresses.Count(a => a == "198.51.100.7"));
        Assert.DoesNotContain("198.51.100.8", addresses);
    }

    [Fact]
    public async Task A_web_hop_key_shorter_than_32_characters_is_refused_at_start()
    {
        var factory = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey), ("Auth:WebHopKey", "too-short"));

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Auth__WebHopKey", error.ToString());
    }

    [Fact]
    public async Task Cors_is_closed_by_default_and_open_to_configured_origins_only()
    {
        var closed = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey));
        var open = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey), ("Auth:CorsOrigins:0", "https://soc.example"));

        using var refused = await Preflight(closed.CreateClient(), "https://soc.example");
        using var allowed = await Preflight(open.CreateClient(), "https://soc.example");
        using var other = await Preflight(open.CreateClient(), "https://evil.example");

        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("https://soc.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static Task<HttpResponseMessage> Preflight(HttpClient client, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/reports");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        return client.SendAsync(request);
    }

    [Fact]
    public async Task Anonymous_requests_over_the_limit_get_429_with_retry_after()
    {
        var factory = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey), ("Auth:AnonymousPermitsPerMinute", "3"));
        using var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/auth/login", new LoginRequest("nobody@limit.example", "wrong-password-123"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        using var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task First_admin_from_configuration_gets_a_one_time_password_that_must_be_changed()
    {
        var console = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(console));
        WebApplicationFactory<Program> factory;
        try
        {
            factory = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey), ("Auth:BootstrapAdminEmail", "first@admin.example"));
            factory.CreateClient().Dispose();
        }
        finally
        {
            Console.SetOut(original);
        }

        var line = console.ToString().Split('\n').Single(l => l.StartsWith("One-time password:", StringComparison.Ordinal));
        var password = line["One-time password:".Length..].Trim();
        using var anonymous = factory.CreateClient();
        using var login = await anonymous.PostAsJsonAsync("/api/auth/login", new LoginRequest("first@admin.example", password));
        var tokens = await login.Content.ReadFromJsonAsync<TokenResponse>(Upload.Json);
        using var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", tokens!.AccessToken);

        using var beforeChange = await admin.GetAsync("/api/users");
        var me = await admin.GetFromJsonAsync<MeResponse>("/api/auth/me", Upload.Json);
        using var change = await admin.PostAsJsonAsync("/api/auth/change-password", new ChangePasswordRequest(password, "a-fresh-admin-passphrase"));
        using var relogin = await anonymous.PostAsJsonAsync("/api/auth/login", new LoginRequest("first@admin.example", "a-fresh-admin-passphrase"));
        admin.DefaultRequestHeaders.Authorization = new("Bearer", (await relogin.Content.ReadFromJsonAsync<TokenResponse>(Upload.Json))!.AccessToken);
        using var afterChange = await admin.GetAsync("/api/users");

        Assert.Equal(20, password.Length);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.True(me!.MustChangePassword);
        Assert.Equal(HttpStatusCode.Forbidden, beforeChange.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterChange.StatusCode);
    }

    [Fact]
    public async Task Create_admin_command_reads_the_password_from_standard_input()
    {
        var database = await TestDatabases.CreateAsync(DbProvider.Sqlite);
        _databases.Add(database);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DmarcSecurity.Api.dll"), "create-admin", "--email", "ops@cli.example"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment[$"ConnectionStrings__{ResourceNames.Database}"] = database;
        start.Environment["Auth__SigningKey"] = ApiFixture.SigningKey;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync("command-line-passphrase");
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, output + errors);
        Assert.Contains("Admin ops@cli.example created", output);
        Assert.DoesNotContain("command-line-passphrase", output + errors);
        var factory = await HostOnAsync(database);
        using var login = await factory.CreateClient().PostAsJsonAsync("/api/auth/login", new LoginRequest("ops@cli.example", "command-line-passphrase"));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    private Task<WebApplicationFactory<Program>> HostOnAsync(string database)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", database);
            web.UseSetting("Auth:SigningKey", ApiFixture.SigningKey);
        });
        _hosts.Add(factory);
        return Task.FromResult(factory);
    }

    [Fact]
    public async Task Openapi_document_describes_bearer_and_api_key_schemes()
    {
        var factory = await HostAsync("Testing", ("Auth:SigningKey", ApiFixture.SigningKey));

        using var document = JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"));

        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("security").GetArrayLength());
    }
}
