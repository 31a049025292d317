using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DmarcSecurity.ServiceDefaults;

/// <summary>The host's one connection to the Redis of <c>ConnectionStrings__cache</c>, when it has one: for its health
/// check, caches, sessions and Data Protection keys.</summary>
public static class SharedRedis
{
    /// <summary>The configured Redis, or null when the host runs without one.</summary>
    public static string? ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ResourceNames.Cache) is { Length: > 0 } value ? value : null;

    /// <summary>Registers <see cref="IConnectionMultiplexer"/> when Redis is configured; true if it is.</summary>
    internal static bool AddSharedRedis(this IServiceCollection services, IConfiguration configuration)
    {
        if (ConnectionString(configuration) is not { } connectionString)
        {
            return false;
        }

        services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var options = ConfigurationOptions.Parse(connectionString);
            // Start even while Redis is down, and reconnect by itself once it is back; meanwhile a command fails at once
            // rather than waiting in a queue, so a caller can fall back without making its own caller wait.
            options.AbortOnConnectFail = false;
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ConnectTimeout = 2000;
            options.SyncTimeout = 1000;
            options.AsyncTimeout = 1000;
            return ConnectionMultiplexer.Connect(options);
        });
        return true;
    }

    /// <summary>The distributed cache on the shared connection (call only when Redis is configured).</summary>
    public static IServiceCollection AddSharedRedisCache(this IServiceCollection services, string instanceName) =>
        services.AddSingleton<IDistributedCache>(sp => new RedisCache(Options.Create(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()),
            InstanceName = instanceName,
        })));
}
