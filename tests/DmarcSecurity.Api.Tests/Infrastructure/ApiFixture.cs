using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DmarcSecurity.Api.Tests.Infrastructure;

/// <summary>The Api on a database of its own, PostgreSQL or SQLite. Derived fixtures pick the provider.</summary>
public abstract class ApiFixture : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _factory;

    public abstract DbProvider Provider { get; }

    public string ConnectionString { get; private set; } = "";

    /// <summary>A lower upload cap than the default so the 413 path is cheap to reach.</summary>
    public const long MaxUploadBytes = 64L * 1024 * 1024;

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("Not initialised.");

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabases.CreateAsync(Provider);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", ConnectionString);
            web.UseSetting("Ingestion:MaxUploadBytes", MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        Client = _factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
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
