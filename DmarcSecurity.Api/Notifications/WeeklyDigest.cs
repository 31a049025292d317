using System.Globalization;
using System.Net;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Notifications;
using DmarcSecurity.Data.Stats;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Notifications;

/// <summary>The figures of a digest over [From, To) and the same length before it, one section per domain.</summary>
public sealed record DigestReport(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<DomainDigest> Domains);

public sealed record DigestSender(string Address, long Messages);

public sealed record DigestAlert(long Id, string Severity, string Title, DateTimeOffset LastSeenAt);

public sealed record DigestDecision(string Ip, string Action, string Severity, double Score, bool Simulated, DateTimeOffset IssuedAt);

/// <summary>One domain's week. Lists hold the first <see cref="WeeklyDigest.ListedItems"/>; the counts are whole.</summary>
/// <param name="NewSenders">Addresses that sent as the domain this period and never in a report that began before it.</param>
/// <param name="OpenAlerts">Open alerts on the domain, and on the addresses that sent as it this period.</param>
/// <param name="Decisions">Decisions issued this period about the addresses that sent as the domain.</param>
public sealed record DomainDigest(
    string Domain, long Messages, long Passing, long PreviousMessages, long PreviousPassing,
    int NewSenderCount, IReadOnlyList<DigestSender> NewSenders,
    int OpenAlertCount, IReadOnlyList<DigestAlert> OpenAlerts,
    int DecisionCount, IReadOnlyDictionary<string, int> DecisionsByAction, IReadOnlyList<DigestDecision> Decisions);

/// <summary>What an Admin or the schedule queued: one delivery per channel, new or (same key) already there.</summary>
public sealed record DigestQueued(string Channel, long DeliveryId, string IdempotencyKey, bool AlreadyQueued, DeliveryStatus Status);

/// <summary>
/// Builds the weekly digest per domain from the reports, alerts and decisions, and queues it as one delivery per
/// Email channel. The idempotency key names the channel and the period (and the domain when only one was asked
/// for), so however many Api replicas or restarts queue the same week, the channel gets one message.
/// </summary>
public sealed class WeeklyDigest(
    IDbContextFactory<DmarcDbContext> contexts, IStatsQueries stats, IOptionsMonitor<NotificationOptions> options, NotificationChannels directory,
    TimeProvider clock)
{
    public const int ListedItems = 10;

    /// <summary>The seven UTC days before the most recent scheduled day (today when today is that day).</summary>
    public static (DateTimeOffset From, DateTimeOffset To) LastWeek(DateTimeOffset now, DayOfWeek day)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var to = today.AddDays(-(((int)today.DayOfWeek - (int)day + 7) % 7));
        return (to.AddDays(-7), to);
    }

    /// <summary>The most recent scheduled moment at or before <paramref name="now"/>.</summary>
    public static DateTimeOffset LastOccurrence(DateTimeOffset now, DigestSettings settings)
    {
        var (_, to) = LastWeek(now, settings.Day);
        var at = to + settings.Time;
        return at <= now ? at : at.AddDays(-7);
    }

    public async Task<DigestReport> BuildAsync(DateTimeOffset from, DateTimeOffset to, IReadOnlyCollection<string>? domains, CancellationToken cancellationToken)
    {
        var previousFrom = from - (to - from);
        var current = await stats.DomainsAsync(new ReportFilter(From: from, To: to), PageRequest.MaxPageSize, cancellationToken);
        var previous = (await stats.DomainsAsync(new ReportFilter(From: previousFrom, To: from), PageRequest.MaxPageSize, cancellationToken))
            .ToDictionary(d => d.Domain, StringComparer.Ordinal);
        var sources = (await stats.DomainSourcesAsync(from, to, cancellationToken)).ToLookup(s => s.Domain, StringComparer.Ordinal);

        bool Wanted(string domain) => domains is null || domains.Count == 0 || domains.Any(d =>
            domain.Equals(d, StringComparison.OrdinalIgnoreCase) || domain.EndsWith("." + d, StringComparison.OrdinalIgnoreCase));
        var names = current.Select(d => d.Domain).Concat(previous.Keys).Distinct(StringComparer.Ordinal).Where(Wanted).Order(StringComparer.Ordinal).ToList();

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var openAlerts = await db.Alerts.AsNoTracking().Where(a => a.Status == AlertStatus.Open).ToListAsync(cancellationToken);
        var decisions = await db.Decisions.AsNoTracking().Where(d => d.IssuedAt >= from && d.IssuedAt < to).ToListAsync(cancellationToken);

        var sections = new List<DomainDigest>();
        foreach (var name in names)
        {
            var now = current.FirstOrDefault(d => d.Domain == name);
            var before = previous.GetValueOrDefault(name);
            // Addresses compared in one spelling (PostgreSQL and SQLite may write an IPv6 address differently).
            var senders = sources[name].ToList();
            var addresses = senders.Select(s => Canonical(s.SourceIp)).ToHashSet(StringComparer.Ordinal);
            var fresh = senders.Where(s => !s.SeenBefore).OrderByDescending(s => s.Messages).ThenBy(s => s.SourceIp, StringComparer.Ordinal).ToList();
            var alerts = openAlerts
                .Where(a => a.GrainType == GrainTypes.Domain
                    ? a.GrainKey.Equals(name, StringComparison.OrdinalIgnoreCase) || a.GrainKey.EndsWith("." + name, StringComparison.OrdinalIgnoreCase)
                    : addresses.Contains(Canonical(a.GrainKey)))
                .OrderByDescending(a => Enum.TryParse<Severity>(a.Severity, out var s) ? s : Severity.Info).ThenByDescending(a => a.LastSeenAt).ThenBy(a => a.Id)
                .ToList();
            var ours = decisions.Where(d => addresses.Contains(Canonical(d.Ip)))
                .OrderByDescending(d => d.IssuedAt).ThenBy(d => d.Ip, StringComparer.Ordinal).ToList();
            sections.Add(new DomainDigest(
                name, now?.Messages ?? 0, now?.Passing ?? 0, before?.Messages ?? 0, before?.Passing ?? 0,
                fresh.Count, [.. fresh.Take(ListedItems).Select(s => new DigestSender(s.SourceIp, s.Messages))],
                alerts.Count, [.. alerts.Take(ListedItems).Select(a => new DigestAlert(a.Id, a.Severity, a.Title, a.LastSeenAt))],
                ours.Count, ours.GroupBy(d => d.Action, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                [.. ours.Take(ListedItems).Select(d => new DigestDecision(d.Ip, d.Action, d.Severity, d.Score, d.Simulated, d.IssuedAt))]));
        }

        return new DigestReport(from, to, sections);
    }

    /// <summary>Queues the digest of [from, to) to each channel (all digest channels when none is named), restricted to
    /// <paramref name="domain"/> when given.</summary>
    public async Task<IReadOnlyList<DigestQueued>> QueueAsync(
        DateTimeOffset from, DateTimeOffset to, string? domain, IReadOnlyCollection<string> channels, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var known = await directory.AllAsync(cancellationToken);
        var queued = new List<DigestQueued>();
        var pending = new List<(string Channel, ChannelSettings Settings, string Key)>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var channel in channels)
        {
            var key = Key(channel, from, to, domain);
            if (await db.NotificationDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.IdempotencyKey == key, cancellationToken) is { } existing)
            {
                queued.Add(new DigestQueued(channel, existing.Id, key, true, existing.Status));
            }
            else
            {
                pending.Add((channel, (known.GetValueOrDefault(channel) ?? throw new InvalidOperationException($"There is no channel '{channel}'.")).Settings, key));
            }
        }

        if (pending.Count == 0)
        {
            return queued;
        }

        var now = clock.GetUtcNow();
        foreach (var (channel, channelSettings, key) in pending)
        {
            var report = await BuildAsync(from, to, domain is null ? channelSettings.Domains : [domain], cancellationToken);
            var notice = Notice(report, settings.PublicBaseUrl, now);
            var delivery = NotificationDispatcher.NewDelivery(channel, channelSettings, key, null, notice, now);
            db.NotificationDeliveries.Add(delivery);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                queued.Add(new DigestQueued(channel, delivery.Id, key, false, delivery.Status));
            }
            catch (DbUpdateException)
            {
                // Another replica queued the same week a moment ago (the key is unique): that one is sent.
                db.ChangeTracker.Clear();
                var existing = await db.NotificationDeliveries.AsNoTracking().FirstAsync(d => d.IdempotencyKey == key, cancellationToken);
                queued.Add(new DigestQueued(channel, existing.Id, key, true, existing.Status));
            }
        }

        return queued;
    }

    public static string Key(string channel, DateTimeOffset from, DateTimeOffset to, string? domain) =>
        $"digest-{channel}-{Day(from)}-{Day(to)}{(domain is null ? "" : "-" + domain.ToLowerInvariant())}";

    public static Notice Notice(DigestReport report, Uri? webBase, DateTimeOffset now)
    {
        var last = report.To.AddDays(-1);
        var title = $"Weekly digest {Day(report.From)} to {Day(last)}";
        var text = report.Domains.Count == 1
            ? $"DMARC reports, senders, alerts and decisions of {report.Domains[0].Domain} from {Day(report.From)} to {Day(last)} (UTC), against the {(report.To - report.From).TotalDays.ToString("0", CultureInfo.InvariantCulture)} days before."
            : $"DMARC reports, senders, alerts and decisions of {report.Domains.Count} domains from {Day(report.From)} to {Day(last)} (UTC), against the {(report.To - report.From).TotalDays.ToString("0", CultureInfo.InvariantCulture)} days before.";
        return new Notice(
            Notifications.Notice.DigestType, Severity.Info, title, text, null, now,
            [new NoticeFact("From", Day(report.From)), new NoticeFact("To", Day(last)), new NoticeFact("Domains", report.Domains.Count.ToString(CultureInfo.InvariantCulture))],
            webBase?.ToString(), Digest: report);
    }

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Canonical(string address) => IPAddress.TryParse(address, out var ip) ? ip.ToString() : address.ToLowerInvariant();
}

/// <summary>Queues the weekly digest when its day and time come (UTC). A digest is queued only within a day of its
/// time, so an Api started late in the week does not send last week's digest days after the fact.</summary>
internal sealed partial class DigestScheduler : BackgroundService
{
    private static readonly TimeSpan s_lateLimit = TimeSpan.FromDays(1);
    private readonly WeeklyDigest _digest;
    private readonly IOptionsMonitor<NotificationOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<DigestScheduler> _logger;
    private readonly LoopJob _job;
    private DateTimeOffset? _sent;

    public DigestScheduler(WeeklyDigest digest, IOptionsMonitor<NotificationOptions> options, TimeProvider clock, JobRegistry jobs, ILogger<DigestScheduler> logger)
    {
        _digest = digest;
        _options = options;
        _clock = clock;
        _logger = logger;
        // Made with the service, before the host starts, so the job is listed from the first request on.
        _job = jobs.AddLoop("weekly-digest", "Queues the weekly digest of each domain to the digest channels (Notifications__Digest__*); " +
            "run now, it queues last week's at once.", TimeSpan.FromDays(7));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = _options.CurrentValue.Digest;
            var now = _clock.GetUtcNow();
            var due = WeeklyDigest.LastOccurrence(now, settings);
            try
            {
                if (_job.Woken || (settings.Channels.Count > 0 && now - due <= s_lateLimit && _sent != due))
                {
                    await _job.RecordAsync("schedule", ct => QueueAsync(due, ct), stoppingToken);
                    _sent = due;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                DigestFailed(_logger, e);
            }

            try
            {
                // Look again every minute (the settings may change); the next digest is due a week after the last.
                await _job.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken, settings.Channels.Count > 0 ? due.AddDays(7) : null);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Queues the digest of the week before <paramref name="due"/> to every digest channel.</summary>
    private async Task<string> QueueAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        var settings = _options.CurrentValue.Digest;
        if (settings.Channels.Count == 0)
        {
            return "No digest channel is configured (Notifications__Digest__Channels__0=<an Email channel>): nothing queued.";
        }

        var (from, to) = WeeklyDigest.LastWeek(due, settings.Day);
        var queued = await _digest.QueueAsync(from, to, null, settings.Channels, cancellationToken);
        foreach (var q in queued.Where(q => !q.AlreadyQueued))
        {
            DigestQueued(_logger, q.Channel, from, to, q.DeliveryId);
        }

        return $"The digest of {from:yyyy-MM-dd} to {to.AddDays(-1):yyyy-MM-dd}: {queued.Count(q => !q.AlreadyQueued)} queued, " +
               $"{queued.Count(q => q.AlreadyQueued)} already queued before, to {string.Join(", ", settings.Channels)}.";
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Weekly digest for {Channel} ({From:yyyy-MM-dd} to {To:yyyy-MM-dd}) queued as delivery {DeliveryId}")]
    private static partial void DigestQueued(ILogger logger, string channel, DateTimeOffset from, DateTimeOffset to, long deliveryId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The weekly digest could not be queued; tried again in a minute")]
    private static partial void DigestFailed(ILogger logger, Exception error);
}
