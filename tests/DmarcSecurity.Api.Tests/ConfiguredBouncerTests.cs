using System.Net;
using System.Net.Http.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Enforcement;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests;

/// <summary>Bouncers declared in configuration follow it at every start: a changed key replaces the old one, and an
/// Admin cannot revoke what configuration declares.</summary>
public sealed class ConfiguredBouncerTests : IAsyncLifetime
{
    private const string FirstKey = "declared-bouncer-key-one-0123456789abcdef";
    private const string SecondKey = "declared-bouncer-key-two-0123456789abcdef";
    private string _database = "";
    private readonly List<WebApplicationFactory<Program>> _hosts = [];

    public async Task InitializeAsync() => _database = await TestDatabases.CreateAsync(DbProvider.Sqlite);

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await TestDatabases.DropAsync(_database);
    }

    [Fact]
    public async Task A_changed_declared_key_replaces_the_old_one_and_an_admin_cannot_revoke_it()
    {
        using var first = await Pull(Host(FirstKey), FirstKey);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        var restarted = Host(SecondKey);
        using var oldKey = await Pull(restarted, FirstKey);
        using var newKey = await Pull(restarted, SecondKey);
        await restarted.Services.GetRequiredService<UserService>()
            .CreateAsync(ApiFixture.AdminEmail, null, UserRole.Admin, ApiFixture.AdminPassword, CancellationToken.None);
        using var admin = restarted.CreateClient();
        using var login = await admin.PostAsJsonAsync("/api/auth/login", new LoginRequest(ApiFixture.AdminEmail, ApiFixture.AdminPassword));
        admin.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<TokenResponse>(Upload.Json))!.AccessToken);
        var bouncers = await Upload.GetAsync<List<BouncerDto>>(admin, "/api/bouncers");
        var active = Assert.Single(bouncers, b => b.RevokedAt is null);
        using var revoke = await admin.DeleteAsync($"/api/bouncers/{active.Id}");

        Assert.Equal(HttpStatusCode.Unauthorized, oldKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newKey.StatusCode);
        Assert.Equal(("edge", true, BouncerService.ConfigurationActor), (active.Name, active.FromConfiguration, active.CreatedBy));
        Assert.Equal(2, bouncers.Count);
        Assert.Equal(HttpStatusCode.Conflict, revoke.StatusCode);
    }

    private WebApplicationFactory<Program> Host(string key)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", _database);
            web.UseSetting("Auth:SigningKey", ApiFixture.SigningKey);
            web.UseSetting("Enforcement:Bouncers:edge:ApiKey", key);
        });
        _hosts.Add(factory);
        return factory;
    }

    private static Task<HttpResponseMessage> Pull(WebApplicationFactory<Program> host, string key)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return client.GetAsync("/v1/decisions/stream?startup=true");
    }
}
