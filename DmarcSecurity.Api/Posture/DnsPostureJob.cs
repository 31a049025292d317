using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Posture;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Posture;

/// <summary>Checks the DNS posture of every domain that has reports, one domain after another.</summary>
public sealed class DnsPostureJob(
    DnsPostureService posture, IDbContextFactory<DmarcDbContext> contexts, IOptionsMonitor<PostureOptions> options, TimeProvider clock,
    ILogger<DnsPostureJob> logger) : ScheduledJob(contexts, clock, logger)
{
    public override string Name => "dns-posture";

    public override string Description => "Checks the DMARC, SPF, DKIM, MTA-STS and TLS-RPT records of every domain with reports; changes raise alerts.";

    public override TimeSpan Interval => options.CurrentValue.Interval;

    protected override async Task<string> RunOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> domains;
        await using (var db = await Contexts.CreateDbContextAsync(cancellationToken))
        {
            domains = await PostureQueries.DomainsWithReportsAsync(db, cancellationToken);
        }

        int errors = 0, changed = 0, incomplete = 0;
        foreach (var domain in domains)
        {
            var check = await posture.CheckAsync(domain, $"job:{Name}", cancellationToken);
            errors += check.Worst == Core.Posture.FindingSeverity.Error ? 1 : 0;
            changed += check.Changes.Count > 0 ? 1 : 0;
            incomplete += check.Incomplete ? 1 : 0;
        }

        return $"Checked {domains.Count} domains: {errors} with errors, {changed} changed since their last check, {incomplete} incomplete (DNS failures).";
    }
}
