using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace DmarcSecurity.ServiceDefaults.Health;

/// <summary>Healthy while the Redis of <c>ConnectionStrings__cache</c> answers a PING within two seconds. One
/// connection, made on the first check and kept.</summary>
internal sealed class RedisHealthCheck(string configuration) : IHealthCheck, IDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await ConnectAsync(cancellationToken);
            await connection.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis cannot be reached.");
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            return existing;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                var options = ConfigurationOptions.Parse(configuration);
                // Reconnects by itself once Redis is back; the check only reports.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 2000;
                _connection = await ConnectionMultiplexer.ConnectAsync(options);
            }

            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _connecting.Dispose();
    }
}
