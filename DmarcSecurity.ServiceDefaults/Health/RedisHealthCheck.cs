using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace DmarcSecurity.ServiceDefaults.Health;

/// <summary>Healthy while the Redis of <c>ConnectionStrings__cache</c> answers a PING within two seconds, on the host's
/// one shared connection.</summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis cannot be reached.");
        }
    }
}
