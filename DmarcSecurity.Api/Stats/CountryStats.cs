using System.Net;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Stats;
using Microsoft.Extensions.Caching.Hybrid;

namespace DmarcSecurity.Api.Stats;

/// <param name="Country">ISO 3166-1 alpha-2 code, or <c>unknown</c> for the sources no database places.</param>
/// <param name="Failing">Messages that failed DMARC, forwarded ones included.</param>
public sealed record CountryStatsDto(string Country, long Sources, long Messages, long Failing);

/// <param name="Countries">Most messages first; the <c>unknown</c> row, if any, last.</param>
/// <param name="Note">Why every source is unknown, when no geolocation database is configured.</param>
public sealed record CountryMapDto(IReadOnlyList<CountryStatsDto> Countries, string? Note);

/// <summary>
/// Sources, messages and failing messages per country for a period: every source of the period, placed by the
/// geolocation databases alone (in memory; never reverse DNS, which would cost a query per source). Cached per
/// generation like every statistics answer, so the per-source rows are read once per filter and upload.
/// </summary>
public sealed class CountryStats(IStatsQueries stats, GeoIpDatabases geo, HybridCache cache, StatsGeneration generation)
{
    public const string Unknown = "unknown";

    public async Task<CountryMapDto> CountriesAsync(ReportFilter filter, CancellationToken cancellationToken)
    {
        if (await generation.CurrentAsync() is not { } current)
        {
            return await ComputeAsync(filter, cancellationToken);
        }

        return await cache.GetOrCreateAsync(StatsCaching.Key(current, "countries", 0, filter), (Self: this, Filter: filter),
            static async (s, ct) => await s.Self.ComputeAsync(s.Filter, ct), StatsCaching.Entry, cancellationToken: cancellationToken);
    }

    private async Task<CountryMapDto> ComputeAsync(ReportFilter filter, CancellationToken cancellationToken)
    {
        var sources = await stats.SourceTotalsAsync(filter, cancellationToken);
        var totals = new Dictionary<string, (long Sources, double Messages, double Failing)>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            var country = geo.Lookup(source.SourceIp).Country is { Length: > 0 } code
                ? code.ToUpperInvariant()
                : Unknown;
            var (count, messages, failing) = totals.GetValueOrDefault(country);
            totals[country] = (count + 1, messages + source.Messages, failing + source.Failing);
        }

        var rows = totals
            .Select(t => new CountryStatsDto(t.Key, t.Value.Sources, Round(t.Value.Messages), Round(t.Value.Failing)))
            .OrderBy(r => r.Country == Unknown).ThenByDescending(r => r.Messages).ThenBy(r => r.Country, StringComparer.Ordinal)
            .ToList();
        return new CountryMapDto(rows, geo.HasCityOrCountry ? null : SourceIdentities.GeoIpHint);
    }

    private static long Round(double value) => (long)Math.Round(value, MidpointRounding.AwayFromZero);
}
