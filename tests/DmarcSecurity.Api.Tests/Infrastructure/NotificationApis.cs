using DmarcSecurity.Api.Notifications;
using DmarcSecurity.Data.Database;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests.Infrastructure;

/// <summary>What the notification tests share: Apis of their own, each on a fresh database, with the dispatcher polling
/// and retrying fast; they and the receivers a test starts are disposed (and the databases dropped) after it.</summary>
public abstract class NotificationApis : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<string> _databases = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            await TestDatabases.DropAsync(database);
        }
    }

    /// <summary>Disposes <paramref name="resource"/> after the test.</summary>
    protected T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    /// <summary>A started Api on a new <paramref name="provider"/> database with <paramref name="settings"/> (null values
    /// left out) and whatever <paramref name="configure"/> adds.</summary>
    protected async Task<WebApplicationFactory<Program>> ApiAsync(
        DbProvider provider, Dictionary<string, string?> settings, Action<IWebHostBuilder>? configure = null)
    {
        var database = await TestDatabases.CreateAsync(provider);
        _databases.Add(database);
        return ApiOn(database, settings, configure);
    }

    /// <summary>Another started Api on the database of <paramref name="other"/>, as a second replica would be.</summary>
    protected WebApplicationFactory<Program> ReplicaOf(WebApplicationFactory<Program> other, Dictionary<string, string?> settings) =>
        ApiOn(DatabaseOf(other), settings, null);

    /// <summary>The connection string of an Api's database.</summary>
    protected static string DatabaseOf(WebApplicationFactory<Program> api) =>
        api.Services.GetRequiredService<IConfiguration>().GetConnectionString(ResourceNames.Database)!;

    private WebApplicationFactory<Program> ApiOn(string database, Dictionary<string, string?> settings, Action<IWebHostBuilder>? configure)
    {
        var factory = Own(new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", database);
            web.UseSetting("Auth:SigningKey", ApiFixture.SigningKey);
            web.UseSetting("Notifications:PollInterval", "00:00:00.050");
            web.UseSetting("Notifications:RetryDelay", "00:00:00.050");
            web.UseSetting("Notifications:MaxRetryDelay", "00:00:00.200");
            foreach (var (key, value) in settings.Where(s => s.Value is not null))
            {
                web.UseSetting(key, value);
            }

            configure?.Invoke(web);
        }));
        _ = factory.Server; // starts the host (and validates the options)
        return factory;
    }

    /// <summary>The deliveries for which <paramref name="done"/> holds, once there are at least <paramref name="count"/>
    /// of them (within 30 s).</summary>
    protected static async Task<List<DeliveryDto>> WaitForDeliveriesAsync(WebApplicationFactory<Program> api, int count, Func<DeliveryDto, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
            var all = (await db.NotificationDeliveries.AsNoTracking().OrderBy(d => d.Id).ToListAsync()).Select(DeliveryDto.From).ToList();
            var items = all.Where(done).ToList();
            if (items.Count >= count)
            {
                return items;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"{items.Count} of {count} deliveries within 30 s; deliveries " +
                    string.Join(", ", all.Select(d => $"{d.Channel} {d.Status} {d.Attempts} {d.LastStatusCode} {d.LastResponse} {d.LastError}")));
            }

            await Task.Delay(50);
        }
    }
}
