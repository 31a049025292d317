using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DmarcSecurity.AppHost.Servers;
using DmarcSecurity.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.AppHost;

/// <summary>
/// The database <c>dmarcdb</c> and the Redis <c>cache</c> as each mode has them: SQLite in the data folder and no
/// Redis by default; the machine's PostgreSQL and Redis servers as executables with <c>--postgres</c>; connection-string
/// parameters in publish mode, filled in by the deployment.
/// </summary>
internal sealed class LocalResources
{
    private readonly IDistributedApplicationBuilder _builder;
    private readonly AppHostSettings _settings;
    private readonly string _dataDirectory;
    private IResourceBuilder<ExecutableResource>? _postgres;

    private LocalResources(IDistributedApplicationBuilder builder, AppHostSettings settings, string dataDirectory)
    {
        _builder = builder;
        _settings = settings;
        _dataDirectory = dataDirectory;
    }

    public IResourceBuilder<IResourceWithConnectionString> Database { get; private set; } = null!;

    /// <summary>Redis for the silo cluster and the caches; none in the default (SQLite) mode.</summary>
    public IResourceBuilder<IResourceWithConnectionString>? Cache { get; private set; }

    public static LocalResources Add(IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        var dataDirectory = Path.GetFullPath(settings.DataDirectory ?? Path.Combine(builder.AppHostDirectory, "..", "data"));
        var resources = new LocalResources(builder, settings, dataDirectory);
        if (builder.ExecutionContext.IsPublishMode)
        {
            resources.Database = builder.AddConnectionString(ResourceNames.Database);
            resources.Cache = builder.AddConnectionString(ResourceNames.Cache).WithOrleansProviderType("Redis");
        }
        else if (settings.Postgres)
        {
            Directory.CreateDirectory(dataDirectory);
            resources.AddPostgres();
            resources.AddRedis();
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            // The same file the Api and the silo use when run on their own with this data folder.
            var file = Path.Combine(dataDirectory, "dmarcsecurity.db");
            resources.Database = builder.AddConnectionString(ResourceNames.Database, ReferenceExpression.Create($"Data Source={file}"));
        }

        return resources;
    }

    /// <summary>What the services need beside their references: the data folder, the first Admin, the key the Web app
    /// and the Api share, waiting for the database server; and the console banner with the one-time password.</summary>
    public void Configure(IResourceBuilder<ProjectResource> api, IResourceBuilder<ProjectResource> silo, IResourceBuilder<ProjectResource> web)
    {
        if (_builder.ExecutionContext.IsPublishMode)
        {
            ConfigurePublish(api, web);
            return;
        }

        // A new key each run is enough: both ends get it from here.
        var webHopKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        foreach (var service in new[] { api, silo, web })
        {
            service.WithEnvironment("Storage__DataDirectory", _dataDirectory);
            if (_postgres is not null && service != web)
            {
                service.WaitFor(_postgres);
            }
        }

        api.WithEnvironment("Auth__BootstrapAdminEmail", _settings.AdminEmail)
            .WithEnvironment("Auth__WebHopKey", webHopKey);
        // Sessions and Data Protection keys in the data folder: a restart of the Web app, or of the whole run, signs no one out.
        web.WithEnvironment("Auth__WebHopKey", webHopKey)
            .WithEnvironment("Web__StatePath", Path.Combine(_dataDirectory, "web"));

        _builder.Services.AddSingleton(new FirstAdminBanner.Resources(api.Resource, web.Resource));
        _builder.Services.AddHostedService<FirstAdminBanner>();
        _builder.Services.AddSingleton(new CrashRestarts.Services(new HashSet<string> { api.Resource.Name, silo.Resource.Name, web.Resource.Name }));
        _builder.Services.AddHostedService<CrashRestarts>();
        Console.WriteLine($"Data folder {_dataDirectory}; database {(_settings.Postgres ? "PostgreSQL in " + Path.Combine(_dataDirectory, "postgres") : "SQLite in the data folder")}");
    }

    private static void ConfigurePublish(IResourceBuilder<ProjectResource> api, IResourceBuilder<ProjectResource> web)
    {
        var signingKey = api.ApplicationBuilder.AddParameter("auth-signing-key", secret: true);
        var webHopKey = api.ApplicationBuilder.AddParameter("web-hop-key", secret: true);
        var bootstrapAdmin = api.ApplicationBuilder.AddParameter("bootstrap-admin-email");
        api.WithEnvironment("Auth__SigningKey", signingKey)
            .WithEnvironment("Auth__WebHopKey", webHopKey)
            .WithEnvironment("Auth__BootstrapAdminEmail", bootstrapAdmin);
        web.WithEnvironment("Auth__WebHopKey", webHopKey);
    }

    private void AddPostgres()
    {
        var cluster = Path.Combine(_dataDirectory, "postgres");
        var port = FreePort();
        var script = Path.Combine(_builder.AppHostDirectory, "Servers", "postgres-server.sh");
        var connectionString = $"Host=127.0.0.1;Port={port.ToString(CultureInfo.InvariantCulture)};Database={ResourceNames.Database};Username=postgres";
        _builder.Services.AddHealthChecks().Add(new("postgres-ready", _ => new PostgresHealthCheck(connectionString), null, null));
        _postgres = _builder.AddExecutable("postgres", "bash", _dataDirectory, script, cluster, port.ToString(CultureInfo.InvariantCulture), ResourceNames.Database)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck("postgres-ready");
        Database = _builder.AddConnectionString(ResourceNames.Database, ReferenceExpression.Create($"{connectionString}"));
    }

    private void AddRedis()
    {
        var port = FreePort();
        var redis = new RedisServerResource(ResourceNames.Cache, _dataDirectory, port);
        _builder.Services.AddHealthChecks().Add(new("cache-ready", _ => new RedisHealthCheck(port), null, null));
        // Caches and the cluster's membership only: nothing in it needs to outlive a run.
        Cache = _builder.AddResource(redis)
            .WithArgs("--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no")
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck("cache-ready")
            .WithOrleansProviderType("Redis");
    }

    // A port the system says is free and this AppHost has not handed out yet.
    private static readonly HashSet<int> s_handedOut = [];

    private static int FreePort()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (s_handedOut.Add(port))
            {
                return port;
            }
        }
    }
}
