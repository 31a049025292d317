using System.Globalization;

namespace DmarcSecurity.AppHost.Servers;

/// <summary>The machine's <c>redis-server</c> as an executable of the AppHost, on 127.0.0.1; its connection string is a
/// StackExchange.Redis configuration.</summary>
internal sealed class RedisServerResource(string name, string workingDirectory, int port)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
}
