using System.Net;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Stats;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Enrichment;

/// <summary>Looks up who the most failing sources of the last days are, waiting for every answer, so that the grains of
/// the verified known forwarders among them learn it (<see cref="KnownForwarders"/>) though no view showed them.</summary>
public sealed class KnownForwardersJob(
    IStatsQueries stats, SourceIdentities identities, ReverseDns dns, IDbContextFactory<DmarcDbContext> contexts, IOptionsMonitor<EnrichmentOptions> options,
    TimeProvider clock, ILogger<KnownForwardersJob> logger) : ScheduledJob(contexts, clock, logger)
{
    public override string Name => "known-forwarders";

    public override string Description =>
        "Looks up who the most failing sources of the last days are, so that the grains of known forwarders (mailing lists, forwarding services) count their DMARC failures as forwarded.";

    public override TimeSpan Interval => options.CurrentValue.KnownForwarders.Interval;

    protected override async Task<string> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var tomorrow = new DateTimeOffset(Clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        var days = settings.KnownForwarders.Days;
        var sources = await stats.SourcesAsync(new ReportFilter(From: tomorrow.AddDays(-days), To: tomorrow), settings.KnownForwarders.Sources,
            SourceRanking.Failing, cancellationToken);
        // Every lookup to its end, however long it waits for a slot.
        var found = await identities.IdentifyAsync([.. sources.Select(s => IPAddress.Parse(s.SourceIp))], cancellationToken, dns.LongestLookup);
        var forwarders = found.Where(i => i.IsKnownForwarder()).ToList();
        var unanswered = found.Count(i => i.ReverseDns == ReverseDnsStatus.Pending);
        return $"Looked up the {sources.Count} most failing sources of the last {days} days: {forwarders.Count} known forwarders" +
               (forwarders.Count == 0 ? "" : $" ({string.Join(", ", forwarders.Select(f => f.Service).Distinct().Order(StringComparer.Ordinal))})") +
               $", {unanswered} lookups not answered in time.";
    }
}
