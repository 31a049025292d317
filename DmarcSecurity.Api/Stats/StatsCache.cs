using System.Globalization;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Stats;
using DmarcSecurity.ServiceDefaults;
using Microsoft.Extensions.Caching.Hybrid;
using StackExchange.Redis;

namespace DmarcSecurity.Api.Stats;

/// <summary>
/// The generation of the stored reports: every stored report moves it on, and every cached statistics answer is keyed
/// by it, so no view is served from before the last upload. Kept in Redis (<c>ConnectionStrings__cache</c>) when the
/// Api has one, so every replica sees every other's uploads; in this process otherwise. A generation is a new random
/// value each time, never a count, so a Redis that lost its data cannot bring an old one back. While Redis cannot be
/// reached, or a move could not be written to it yet, there is no generation and answers come from the database.
/// </summary>
public sealed partial class StatsGeneration(ILogger<StatsGeneration> logger, IConnectionMultiplexer? redis = null)
{
    private const string Key = "dmarcsecurity:stats:generation";
    private string _local = New();
    private int _owed;

    /// <summary>After reports were stored.</summary>
    public async Task MoveOnAsync()
    {
        if (redis is null)
        {
            Volatile.Write(ref _local, New());
            return;
        }

        Volatile.Write(ref _owed, 1);
        await TryPayAsync();
    }

    /// <summary>The current generation; null while it cannot be known.</summary>
    public async Task<string?> CurrentAsync()
    {
        if (redis is null)
        {
            return Volatile.Read(ref _local);
        }

        if (!await TryPayAsync())
        {
            return null;
        }

        try
        {
            var db = redis.GetDatabase();
            if (await db.StringGetAsync(Key) is { HasValue: true } current)
            {
                return current.ToString();
            }

            // None yet, or Redis lost it: one new generation, the same for every replica.
            await db.StringSetAsync(Key, New(), when: When.NotExists);
            return (await db.StringGetAsync(Key)).ToString();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private static string New() => Guid.NewGuid().ToString("N");

    /// <summary>Writes the move this process owes; false while Redis cannot take it.</summary>
    private async Task<bool> TryPayAsync()
    {
        if (Volatile.Read(ref _owed) == 0)
        {
            return true;
        }

        try
        {
            Volatile.Write(ref _owed, 0);
            await redis!.GetDatabase().StringSetAsync(Key, New());
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Volatile.Write(ref _owed, 1);
            LogOwed(logger, e);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis cannot be reached: statistics are answered from the database, uncached, until it is back")]
    private static partial void LogOwed(ILogger logger, Exception error);
}

/// <summary>The statistics queries, cached: in memory, with Redis as the shared layer when the Api has one; keyed by
/// the reports' generation, so a view is never stale after an upload.</summary>
internal sealed class CachedStatsQueries(IStatsQueries inner, HybridCache cache, StatsGeneration generation) : IStatsQueries
{
    private static readonly HybridCacheEntryOptions s_entry = StatsCaching.Entry;

    public Task<DataExtentDto> ExtentAsync(ReportFilter filter, CancellationToken cancellationToken) =>
        CachedAsync("extent", filter with { From = null, To = null }, 0, ct => inner.ExtentAsync(filter, ct), cancellationToken);

    public Task<SummaryDto> SummaryAsync(ReportFilter filter, CancellationToken cancellationToken) =>
        CachedAsync("summary", filter, 0, ct => inner.SummaryAsync(filter, ct), cancellationToken);

    public Task<IReadOnlyList<TimelinePointDto>> TimelineAsync(ReportFilter filter, CancellationToken cancellationToken) =>
        CachedAsync("timeline", filter, 0, ct => inner.TimelineAsync(filter, ct), cancellationToken);

    public Task<IReadOnlyList<DomainStatsDto>> DomainsAsync(ReportFilter filter, int top, CancellationToken cancellationToken) =>
        CachedAsync("domains", filter, top, ct => inner.DomainsAsync(filter, top, ct), cancellationToken);

    public Task<IReadOnlyList<SourceStatsDto>> SourcesAsync(ReportFilter filter, int top, SourceRanking ranking, CancellationToken cancellationToken) =>
        CachedAsync($"sources-{ranking}", filter, top, ct => inner.SourcesAsync(filter, top, ranking, ct), cancellationToken);

    public Task<PagedResult<SourceStatsDto>> SourcesPageAsync(ReportFilter filter, PageRequest page, SourceRanking ranking, CancellationToken cancellationToken) =>
        CachedAsync($"sources-page-{ranking}-{page.Page}", filter, page.PageSize, ct => inner.SourcesPageAsync(filter, page, ranking, ct), cancellationToken);

    /// <summary>Exports stream every source; nothing to keep.</summary>
    public IAsyncEnumerable<SourceStatsDto> StreamSourcesAsync(ReportFilter filter, SourceRanking ranking, CancellationToken cancellationToken) =>
        inner.StreamSourcesAsync(filter, ranking, cancellationToken);

    /// <summary>One row per source: the country map keeps its own, much smaller, answer instead.</summary>
    public Task<IReadOnlyList<SourceTotalDto>> SourceTotalsAsync(ReportFilter filter, CancellationToken cancellationToken) =>
        inner.SourceTotalsAsync(filter, cancellationToken);

    public Task<AlignmentDto> AlignmentAsync(ReportFilter filter, CancellationToken cancellationToken) =>
        CachedAsync("alignment", filter, 0, ct => inner.AlignmentAsync(filter, ct), cancellationToken);

    public Task<IReadOnlyList<ReporterStatsDto>> ReportersAsync(ReportFilter filter, int top, CancellationToken cancellationToken) =>
        CachedAsync("reporters", filter, top, ct => inner.ReportersAsync(filter, top, ct), cancellationToken);

    public Task<DashboardDto> DashboardAsync(ReportFilter filter, int top, int failingTop, CancellationToken cancellationToken) =>
        CachedAsync($"dashboard-{failingTop}", filter, top, ct => inner.DashboardAsync(filter, top, failingTop, ct), cancellationToken);

    /// <summary>The weekly digest's, once a week: not worth keeping.</summary>
    public Task<IReadOnlyList<DomainSourceDto>> DomainSourcesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        inner.DomainSourcesAsync(from, to, cancellationToken);

    private async Task<T> CachedAsync<T>(string what, ReportFilter filter, int top, Func<CancellationToken, Task<T>> query, CancellationToken cancellationToken)
    {
        if (await generation.CurrentAsync() is not { } current)
        {
            return await query(cancellationToken);
        }

        var key = StatsCaching.Key(current, what, top, filter);
        return await cache.GetOrCreateAsync(key, query, static async (q, ct) => await q(ct), s_entry, cancellationToken: cancellationToken);
    }
}

internal static class StatsCaching
{
    /// <summary>The cache key of one statistics answer in one generation.</summary>
    public static string Key(string generation, string what, int top, ReportFilter filter) => string.Create(CultureInfo.InvariantCulture,
        $"stats:{generation}:{what}:{top}:{filter.Domain}:{filter.Reporter}:{filter.From?.UtcTicks}:{filter.To?.UtcTicks}");

    public static readonly HybridCacheEntryOptions Entry = new() { Expiration = TimeSpan.FromMinutes(10), LocalCacheExpiration = TimeSpan.FromMinutes(10) };

    /// <summary>Caches the statistics queries (registered by the data layer) for the Api, and keeps their rollups up to date.</summary>
    public static WebApplicationBuilder AddStatsCache(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHybridCache(options => options.MaximumPayloadBytes = 16 * 1024 * 1024);
        if (SharedRedis.ConnectionString(builder.Configuration) is not null)
        {
            services.AddSharedRedisCache("dmarcsecurity:cache:");
        }

        services.AddSingleton<CountryStats>();
        services.AddSingleton(sp => new StatsGeneration(sp.GetRequiredService<ILogger<StatsGeneration>>(), sp.GetService<IConnectionMultiplexer>()));
        var queries = services.Single(d => d.ServiceType == typeof(IStatsQueries));
        services.Remove(queries);
        services.AddSingleton<IStatsQueries>(sp => new CachedStatsQueries(
            (IStatsQueries)ActivatorUtilities.CreateInstance(sp, queries.ImplementationType!),
            sp.GetRequiredService<HybridCache>(), sp.GetRequiredService<StatsGeneration>()));
        services.AddHostedService<SourceRollupService>();
        return builder;
    }
}
