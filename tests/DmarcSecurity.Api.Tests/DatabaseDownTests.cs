using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
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

/// <summary>PostgreSQL goes away while the Api runs (a TCP relay in front of it is closed, dropping every connection,
/// then reopened): requests are answered 503 with Retry-After and a problem naming the database, quickly, and the Api
/// recovers on its own; an upload refused meanwhile is stored whole when sent again.</summary>
public sealed class DatabaseDownTests : IAsyncLifetime
{
    private string _database = "";
    private Relay? _relay;
    private WebApplicationFactory<Program>? _factory;

    public async Task InitializeAsync()
    {
        _database = await TestDatabases.CreateAsync(DbProvider.PostgreSql);
        var target = new NpgsqlConnectionStringBuilder(_database);
        _relay = new Relay(target.Host!, target.Port);
        _relay.Open();
        var relayed = new NpgsqlConnectionStringBuilder(_database) { Host = "127.0.0.1", Port = _relay.Port, Timeout = 2 }.ConnectionString;
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

        _relay?.Dispose();
        await TestDatabases.DropAsync(_database);
    }

    [Fact]
    public async Task While_the_database_is_down_requests_get_503_and_the_api_recovers_by_itself()
    {
        using var client = await AdminClientAsync();
        var report = ("down.xml", ReportXml.Build($"db-down-{Guid.NewGuid():N}"));
        using var before = await client.GetAsync("/api/reports");

        _relay!.Close();
        var timer = Stopwatch.StartNew();
        using var read = await client.GetAsync("/api/reports");
        var readTook = timer.Elapsed;
        using var upload = await client.PostAsync("/api/ingest/files", Upload.Content(report));
        _relay.Open();
        var stored = await Upload.FilesAsync(client, report);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
        Assert.True(readTook < TimeSpan.FromSeconds(1), $"the 503 took {readTook.TotalMilliseconds:N0} ms");
        Assert.Equal(TimeSpan.FromSeconds(5), read.Headers.RetryAfter?.Delta);
        using var problem = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        Assert.Equal("Database unavailable", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains(ResourceNames.Database, problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, upload.StatusCode);
        Assert.Equal(FileOutcome.Stored, Assert.Single(stored.Files).Outcome);
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

    /// <summary>A TCP relay on a fixed loopback port: open, it forwards to the server; closed, it refuses new
    /// connections and cuts the ones it carries, as a server that went away does.</summary>
    private sealed class Relay(string host, int port) : IDisposable
    {
        private readonly List<TcpClient> _carried = [];
        private TcpListener? _listener;

        public int Port { get; private set; }

        public void Open()
        {
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptAsync(_listener);
        }

        public void Close()
        {
            _listener?.Stop();
            lock (_carried)
            {
                foreach (var connection in _carried)
                {
                    // A reset, not a polite close: the Api's pooled connections find out on their next use.
                    connection.Client?.LingerState = new LingerOption(true, 0);
                    connection.Dispose();
                }

                _carried.Clear();
            }
        }

        public void Dispose() => Close();

        private async Task AcceptAsync(TcpListener listener)
        {
            while (true)
            {
                TcpClient inbound;
                try
                {
                    inbound = await listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                var outbound = new TcpClient();
                await outbound.ConnectAsync(host, port);
                lock (_carried)
                {
                    _carried.Add(inbound);
                    _carried.Add(outbound);
                }

                _ = PumpAsync(inbound, outbound);
                _ = PumpAsync(outbound, inbound);
            }
        }

        private static async Task PumpAsync(TcpClient from, TcpClient to)
        {
            try
            {
                await from.GetStream().CopyToAsync(to.GetStream());
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
            finally
            {
                from.Dispose();
                to.Dispose();
            }
        }
    }
}
