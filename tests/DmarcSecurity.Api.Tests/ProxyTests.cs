using System.Net;
using System.Net.Http.Json;
using DmarcSecurity.Api.Audit;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests;

/// <summary>The Api as a real process (Kestrel, Production) behind a proxy at 127.0.0.1: forwarded headers are believed
/// from that proxy only, a forged Host is refused, and no Server header tells what runs behind it. Other loopback
/// addresses (127.0.0.2) stand for a client that reaches the Api directly.</summary>
public sealed class ProxyTests : IAsyncLifetime
{
    private const string AdminEmail = "proxy-admin@tests.example";
    private const string AdminPassword = "proxy-admin-passphrase-42";
    private const string PublicHost = "api.example";

    private string _database = "";
    private HostProcess? _api;

    public async Task InitializeAsync()
    {
        _database = await TestDatabases.CreateAsync(DbProvider.Sqlite);
        var environment = new Dictionary<string, string>
        {
            [$"ConnectionStrings__{ResourceNames.Database}"] = _database,
            ["Auth__SigningKey"] = ApiFixture.SigningKey,
            ["AllowedHosts"] = $"{PublicHost};127.0.0.1",
            ["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1",
        };
        var dll = HostProcess.ProjectDll("DmarcSecurity.Api");
        await HostProcess.RunAsync(dll, environment, ["create-admin", "--email", AdminEmail], AdminPassword);
        _api = await HostProcess.StartAsync("api", dll, environment);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await TestDatabases.DropAsync(_database);
    }

    [Fact]
    public async Task Responses_name_no_server()
    {
        using var client = From("127.0.0.1");

        using var response = await client.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Headers.Server);
    }

    [Fact]
    public async Task Forwarded_scheme_and_address_are_believed_from_the_known_proxy_only()
    {
        using var proxy = From("127.0.0.1");
        using var direct = From("127.0.0.2");

        using var viaProxy = await FailedSignInAsync(proxy, "via-proxy@proxy.example");
        using var spoofed = await FailedSignInAsync(direct, "spoofed@proxy.example");

        Assert.StartsWith("max-age=", viaProxy.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.False(spoofed.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("203.0.113.5", await AuditedAddressAsync("via-proxy@proxy.example"));
        Assert.Equal("127.0.0.2", await AuditedAddressAsync("spoofed@proxy.example"));
    }

    [Fact]
    public async Task A_forged_host_is_refused_before_anything_else()
    {
        using var client = From("127.0.0.1");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/alive");
        request.Headers.Host = "evil.example";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>A sign-in for an unknown account, sent as the proxy would forward a client's HTTPS request.</summary>
    private static Task<HttpResponseMessage> FailedSignInAsync(HttpClient client, string email)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = JsonContent.Create(new LoginRequest(email, "wrong-password-123")),
        };
        request.Headers.Host = PublicHost;
        request.Headers.Add("X-Forwarded-For", "203.0.113.5");
        request.Headers.Add("X-Forwarded-Proto", "https");
        return client.SendAsync(request);
    }

    private async Task<string?> AuditedAddressAsync(string email)
    {
        using var client = From("127.0.0.1");
        using var login = await client.PostAsJsonAsync("/api/auth/login", new LoginRequest(AdminEmail, AdminPassword));
        client.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<TokenResponse>(Upload.Json))!.AccessToken);
        var audit = await Upload.GetAsync<PagedResult<AuditEntryDto>>(client, $"/api/audit?email={Uri.EscapeDataString(email)}");
        return Assert.Single(audit.Items).ClientAddress;
    }

    /// <summary>A client whose connections leave from <paramref name="localAddress"/>.</summary>
    private HttpClient From(string localAddress) => new(LoopbackClient.HandlerFrom(localAddress)) { BaseAddress = _api!.BaseAddress };
}
