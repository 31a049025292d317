using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.ServiceDefaults.Http;

/// <summary>The reverse proxies in front of a host (section <c>ForwardedHeaders</c>): only these may tell it the
/// client's address and scheme through <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>. With none configured,
/// loopback is (a proxy on the same machine).</summary>
public sealed class ProxyOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.4</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. <c>100.64.0.0/10</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];
}

internal static class ProxyHeaders
{
    /// <summary>Forwarded headers from known proxies only, first in every pipeline (so HSTS, cookies, rate limits and
    /// the audit trail see the client's scheme and address), and no <c>Server</c> header.</summary>
    public static void AddProxyHeaders(this IServiceCollection services)
    {
        services.AddOptions<ProxyOptions>()
            .BindConfiguration(ProxyOptions.SectionName)
            .Validate(o => o.KnownProxies.All(p => IPAddress.TryParse(p, out _)),
                $"{ProxyOptions.SectionName}__{nameof(ProxyOptions.KnownProxies)} must hold IP addresses.")
            .Validate(o => o.KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)),
                $"{ProxyOptions.SectionName}__{nameof(ProxyOptions.KnownNetworks)} must hold networks in CIDR notation (10.0.0.0/8).")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxies) =>
        {
            // Only the address and scheme: the Host stays what the client sent, so AllowedHosts filters it.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The nearest proxy's entry only: whatever the client wrote into X-Forwarded-For before it is ignored.
            forwarded.ForwardLimit = 1;
            if (proxies.Value.KnownProxies.Length + proxies.Value.KnownNetworks.Length > 0)
            {
                // Configured proxies replace the default (loopback): then nothing else is believed.
                forwarded.KnownProxies.Clear();
                forwarded.KnownIPNetworks.Clear();
            }

            foreach (var proxy in proxies.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in proxies.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.Configure<KestrelServerOptions>(o => o.AddServerHeader = false);
        services.AddTransient<IStartupFilter, ForwardedHeadersStartupFilter>();
    }

    private sealed class ForwardedHeadersStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseForwardedHeaders();
            next(app);
        };
    }
}
