using DmarcSecurity.ServiceDefaults;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace DmarcSecurity.Web.Session;

/// <summary>
/// What the Web app keeps beyond its process, shared by its replicas: the Data Protection keys (they encrypt the auth
/// and antiforgery cookies and the stored sessions) and the sessions' Api tokens. In Redis when
/// <c>ConnectionStrings__cache</c> is set; otherwise in a folder, <c>Web__StatePath</c> (by default the user's local
/// application data, <c>DmarcSecurity/web</c>), which outlives restarts and is shared by replicas that share it.
/// </summary>
internal static class SharedSessionState
{
    public const string ApplicationName = "DmarcSecurity.Web";
    private const string KeysKey = "dmarcsecurity:web:data-protection-keys";

    public static WebApplicationBuilder AddSharedSessionState(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var protection = services.AddDataProtection().SetApplicationName(ApplicationName);
        if (SharedRedis.ConnectionString(builder.Configuration) is not null)
        {
            services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>((options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), KeysKey));
            services.AddSharedRedisCache("");
        }
        else
        {
            var folder = StatePath(builder.Configuration);
            protection.PersistKeysToFileSystem(Directory.CreateDirectory(Path.Combine(folder, "keys")));
            services.AddSingleton<IDistributedCache>(sp => new FileDistributedCache(Path.Combine(folder, "sessions"), sp.GetRequiredService<TimeProvider>()));
        }

        return builder;
    }

    public static string StatePath(IConfiguration configuration) =>
        configuration["Web:StatePath"] is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "DmarcSecurity", "web");
}
