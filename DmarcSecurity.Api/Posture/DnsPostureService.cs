using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Posture;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Posture;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Posture;

/// <summary>DNS posture checks (section <c>Posture</c>). The resolvers and the per-query timeout are
/// <c>Enrichment:Dns:Servers</c> and <c>Enrichment:Dns:Timeout</c>.</summary>
public sealed class PostureOptions
{
    public const string SectionName = "Posture";

    /// <summary>How often every domain with reports is checked; zero turns the schedule off (checks still run on demand).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>DNS queries one check may send, whatever the records ask for.</summary>
    [Range(10, 1000)]
    public int MaxLookups { get; set; } = 120;

    /// <summary>DKIM selectors (from the domain's reports) checked per domain.</summary>
    [Range(0, 100)]
    public int MaxSelectors { get; set; } = 20;

    /// <summary>How long fetching the MTA-STS policy file may take, connection, TLS and body together.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan MtaStsTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks kept per domain.</summary>
    [Range(2, 1000)]
    public int KeptChecks { get; set; } = 30;
}

/// <summary>Runs a check, stores it, and when it differs from the domain's check before sends the domain grain a
/// <see cref="DnsPostureChangedEvent"/> in the same transaction, where the alert rule <c>domain.dns-posture-change</c>
/// raises (and deduplicates) the alert.</summary>
public sealed partial class DnsPostureService(
    DnsPostureChecker checker, IDbContextFactory<DmarcDbContext> contexts, IGrainInboxWriter inbox, IOptionsMonitor<PostureOptions> options,
    ILogger<DnsPostureService> logger)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task<DnsPostureDto> CheckAsync(string domain, string trigger, CancellationToken cancellationToken)
    {
        IReadOnlyList<DkimSelector> selectors;
        DnsPostureDto? before;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            selectors = [.. (await PostureQueries.DkimSelectorsAsync(db, domain, options.CurrentValue.MaxSelectors, cancellationToken))
                .Select(s => new DkimSelector(s.Domain, s.Selector))];
            before = await LatestAsync(db, domain, cancellationToken);
        }

        var check = await checker.CheckAsync(domain, selectors, cancellationToken);
        var (changes, weakened) = before is null || before.Incomplete || check.Incomplete ? ([], false) : PostureChanges.Compare(before, check);
        var dto = new DnsPostureDto(0, check.Domain, check.CheckedAt, trigger, check.Worst, check.Resolvers, check.Lookups, check.Incomplete,
            check.Dmarc, check.Spf, check.Dkim, check.MtaSts, check.TlsRpt, changes);
        var entity = new DnsPostureCheckEntity
        {
            Domain = check.Domain, CheckedAt = check.CheckedAt, Trigger = trigger, Worst = check.Worst.ToString(),
            Result = JsonSerializer.Serialize(dto, Json),
        };
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.DnsPostureChecks.Add(entity);
            await db.SaveChangesAsync(cancellationToken);
            if (changes.Count > 0)
            {
                var changed = new DnsPostureChangedEvent(entity.Id, check.CheckedAt, changes, PostureChanges.Fingerprint(check), weakened);
                await inbox.EnqueueAsync(db, [new NewInboxEvent(GrainTypes.Domain, check.Domain, GrainEventTypes.DnsPostureChanged,
                    JsonSerializer.Serialize(changed, GrainEventJson.Default.DnsPostureChangedEvent))], cancellationToken);
                Changed(logger, check.Domain, changes.Count, weakened);
            }

            var keepFrom = await db.DnsPostureChecks.Where(c => c.Domain == check.Domain).OrderByDescending(c => c.Id)
                .Skip(options.CurrentValue.KeptChecks).Select(c => (long?)c.Id).FirstOrDefaultAsync(cancellationToken);
            if (keepFrom is { } oldest)
            {
                await db.DnsPostureChecks.Where(c => c.Domain == check.Domain && c.Id <= oldest).ExecuteDeleteAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return dto with { Id = entity.Id };
    }

    public async Task<DnsPostureDto?> LatestAsync(string domain, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await LatestAsync(db, domain, cancellationToken);
    }

    /// <summary>The domain's checks, newest first, without their details.</summary>
    public async Task<List<PostureHistoryDto>> HistoryAsync(string domain, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.DnsPostureChecks.Where(c => c.Domain == domain).OrderByDescending(c => c.Id).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (Row: r, Dto: Read(r))).Select(x => new PostureHistoryDto(x.Row.Id, x.Row.CheckedAt, x.Row.Trigger,
            Enum.Parse<FindingSeverity>(x.Row.Worst), x.Dto?.Changes ?? []))];
    }

    private static async Task<DnsPostureDto?> LatestAsync(DmarcDbContext db, string domain, CancellationToken cancellationToken)
    {
        var row = await db.DnsPostureChecks.Where(c => c.Domain == domain).OrderByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : Read(row);
    }

    private static DnsPostureDto? Read(DnsPostureCheckEntity row) =>
        JsonSerializer.Deserialize<DnsPostureDto>(row.Result, Json) is { } dto ? dto with { Id = row.Id } : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "DNS posture of {Domain} changed ({Changes} changes, weakened: {Weakened})")]
    private static partial void Changed(ILogger logger, string domain, int changes, bool weakened);
}

public sealed record PostureHistoryDto(long Id, DateTimeOffset CheckedAt, string Trigger, FindingSeverity Worst, IReadOnlyList<string> Changes);
