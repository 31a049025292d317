using DmarcSecurity.Api.Mailboxes;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Api.Tests.Mailboxes;

/// <summary>The Api with one Microsoft 365 mailbox configured against a <see cref="GraphServer"/>, on a database of its
/// own. The only thing the tests change in the Api is the trust of its Graph client: it trusts the server's own
/// certificate, through the named HttpClient's primary handler.</summary>
public sealed class GraphMailboxHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private GraphMailboxHost(string connectionString, WebApplicationFactory<Program> factory)
    {
        ConnectionString = connectionString;
        _factory = factory;
    }

    public string ConnectionString { get; }

    public CapturedLogs Logs { get; } = new();

    public WebApplicationFactory<Program> Factory => _factory;

    public MailboxStatus Status(string name = "rua") =>
        _factory.Services.GetRequiredService<MailboxStatusBoard>().Find(name) ?? throw new InvalidOperationException("no status");

    /// <summary>Settings for the mailbox <c>rua</c> on the server, with a client secret unless <paramref name="extra"/> says otherwise.</summary>
    public static Dictionary<string, string?> Settings(GraphServer server, string secret = GraphServer.ClientSecret) => new()
    {
        ["TenantId"] = GraphServer.TenantId,
        ["ClientId"] = GraphServer.ClientId,
        ["ClientSecret"] = secret,
        ["UserId"] = GraphServer.UserId,
        ["PollInterval"] = "00:00:02",
        ["GraphEndpoint"] = server.Url,
        ["AuthorityHost"] = server.Url,
    };

    public static async Task<GraphMailboxHost> StartAsync(GraphServer server, Dictionary<string, string?>? settings = null, DbProvider provider = DbProvider.PostgreSql)
    {
        var connectionString = await TestDatabases.CreateAsync(provider);
        CapturedLogs? logs = null;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", connectionString);
            web.UseSetting("Auth:SigningKey", ApiFixture.SigningKey);
            web.UseSetting("Enrichment:Dns:Enabled", "false");
            foreach (var (key, value) in settings ?? Settings(server))
            {
                web.UseSetting($"Ingestion:GraphMailboxes:rua:{key}", value);
            }

            web.ConfigureLogging(logging => logging.AddProvider(logs!).SetMinimumLevel(LogLevel.Debug));
            web.ConfigureTestServices(services => services.AddHttpClient(GraphMailboxReader.HttpClientName).ConfigurePrimaryHttpMessageHandler(server.TrustingHandler));
        });
        var host = new GraphMailboxHost(connectionString, factory);
        logs = host.Logs;
        _ = factory.Services;
        return host;
    }

    /// <summary>One number from the database, e.g. <c>SELECT count(*) FROM reports</c>.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        if (ConnectionString.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase))
        {
            await using var sqlite = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString);
            await sqlite.OpenAsync();
            await using var query = sqlite.CreateCommand();
            query.CommandText = sql;
            return Convert.ToInt64(await query.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await TestDatabases.DropAsync(ConnectionString);
    }
}
