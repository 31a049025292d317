using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>Healthy while this silo is an active member of its Orleans cluster; the description lists the members
/// and their status as this silo sees them.</summary>
internal sealed class ClusterMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var members = snapshot.Members.Values
            .Where(m => m.Status is SiloStatus.Active or SiloStatus.Joining or SiloStatus.ShuttingDown or SiloStatus.Stopping)
            .OrderBy(m => m.SiloAddress.ToString(), StringComparer.Ordinal)
            .ToList();
        var active = members.Count(m => m.Status == SiloStatus.Active);
        var description = $"cluster {local.ClusterId}: {active} active silo{(active == 1 ? "" : "s")} " +
                          $"({string.Join(", ", members.Select(m => $"{m.SiloAddress} {m.Status}{(m.SiloAddress.Equals(local.SiloAddress) ? " (this silo)" : "")}"))})";
        var data = new Dictionary<string, object>
        {
            ["silo"] = local.SiloAddress.ToString(),
            ["activeSilos"] = active,
            ["membershipVersion"] = snapshot.Version.Value,
        };
        var self = snapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(self == SiloStatus.Active
            ? HealthCheckResult.Healthy(description, data)
            : HealthCheckResult.Unhealthy($"this silo is {self}; {description}", data: data));
    }
}
