using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Notifications;

/// <summary>
/// Drains the outbox into notifications. Each Notify message becomes one delivery per channel that wants it, in the
/// transaction that marks the message dispatched; each delivery is then sent at least once, every attempt with the
/// same idempotency key, retried with exponential backoff and jitter (or the receiver's Retry-After) and dead-lettered
/// when the receiver refuses it outright or the attempts run out. Sends are rate-limited per channel. Deliveries are
/// claimed with a token before they are sent, so Api replicas never send the same one at once. The channels, configured
/// and stored, come from <see cref="NotificationChannels"/>.
/// </summary>
internal sealed partial class NotificationDispatcher(
    IDbContextFactory<DmarcDbContext> contexts,
    IOptionsMonitor<NotificationOptions> options,
    NotificationChannels directory,
    TimeProvider clock,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    private const int OutboxBatch = 200;
    private const int DeliveryBatch = 100;
    private const int ResponseKept = 2000;

    private readonly ConcurrentDictionary<string, (int Permits, RateLimiter Limiter)> _limiters = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        // A webhook that redirects is misconfigured; following it could carry the message somewhere unexpected.
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public override void Dispose()
    {
        _http.Dispose();
        foreach (var (_, limiter) in _limiters.Values)
        {
            limiter.Dispose();
        }

        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy = await FanOutAsync(stoppingToken) | await DeliverDueAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is down, most likely: nothing was lost (the outbox and the deliveries are the truth).
                DispatchFailed(logger, e);
            }

            if (!busy)
            {
                try
                {
                    await Task.Delay(options.CurrentValue.PollInterval, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Turns the oldest undispatched outbox messages into deliveries; true when it found any.</summary>
    internal async Task<bool> FanOutAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var batch = await db.Outbox.Where(o => o.DispatchedAt == null).OrderBy(o => o.Id).Take(OutboxBatch).ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return false;
        }

        var channels = await directory.AllAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var ids = batch.Select(o => o.Id).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var claimed = await db.Outbox.Where(o => ids.Contains(o.Id) && o.DispatchedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.DispatchedAt, now).SetProperty(o => o.Attempts, o => o.Attempts + 1), cancellationToken);
        if (claimed != ids.Count)
        {
            // Another replica took some of them first: read again.
            await transaction.RollbackAsync(cancellationToken);
            return true;
        }

        foreach (var message in batch)
        {
            // Enforce messages need no sending: bouncers pull the enforced decisions themselves (/v1/decisions).
            if (message.Channel != "Notify")
            {
                continue;
            }

            Notice notice;
            try
            {
                notice = Notice.FromOutbox(message.MessageType, message.Payload, settings.PublicBaseUrl);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                UnreadableMessage(logger, message.Id, message.MessageType, e);
                continue;
            }

            foreach (var (name, channel) in channels.Where(c => c.Value.Usable && Wants(c.Value.Settings, notice)))
            {
                db.NotificationDeliveries.Add(NewDelivery(name, channel.Settings, $"outbox-{message.Id}-{name}", message.Id, notice, now));
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Sends the deliveries that are due; true when it found any.</summary>
    internal async Task<bool> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow();
        var token = Guid.NewGuid();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var due = await db.NotificationDeliveries
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
            .Select(d => d.Id).Take(DeliveryBatch).ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return false;
        }

        // The claim pushes the next attempt past the sends' timeout: a replica that dies mid-send leaves the
        // delivery to be sent again (same key) once the lease is over.
        var lease = now + (settings.Timeout * 2) + TimeSpan.FromSeconds(30);
        await db.NotificationDeliveries
            .Where(d => due.Contains(d.Id) && d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.ClaimToken, token).SetProperty(d => d.NextAttemptAt, lease), cancellationToken);
        var claimed = await db.NotificationDeliveries.AsTracking().Where(d => d.ClaimToken == token).ToListAsync(cancellationToken);
        var channels = await directory.AllAsync(cancellationToken);
        await Task.WhenAll(claimed.GroupBy(d => d.Channel, StringComparer.Ordinal).Select(async channel =>
        {
            foreach (var delivery in channel.OrderBy(d => d.Id))
            {
                await AttemptAsync(delivery, channels.GetValueOrDefault(delivery.Channel), settings, cancellationToken);
            }
        }));
        await db.SaveChangesAsync(CancellationToken.None);
        return claimed.Count > 0;
    }

    private async Task AttemptAsync(NotificationDeliveryEntity delivery, ChannelEntry? entry, NotificationOptions settings, CancellationToken cancellationToken)
    {
        delivery.ClaimToken = null;
        var now = clock.GetUtcNow();
        if (entry is null)
        {
            delivery.Status = DeliveryStatus.DeadLettered;
            delivery.LastError = $"The channel '{delivery.Channel}' is no longer configured.";
            return;
        }

        // An Admin may test a channel before enabling it; nothing else goes to a disabled channel.
        if (!entry.Enabled && delivery.MessageType != Notice.TestType)
        {
            delivery.Status = DeliveryStatus.DeadLettered;
            delivery.LastError = $"The channel '{delivery.Channel}' is disabled.";
            return;
        }

        var channel = entry.Settings;
        var limiter = Limiter(delivery.Channel, channel.PermitsPerMinute);
        using (var lease = limiter.AttemptAcquire())
        {
            if (!lease.IsAcquired)
            {
                // Its turn comes when the channel's budget refills; this is not a failed attempt.
                delivery.NextAttemptAt = now + (lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(2));
                return;
            }
        }

        delivery.Attempts++;
        delivery.LastAttemptAt = now;
        var result = entry.Problem is { } problem
            ? new AttemptResult(null, null, problem, null, AttemptOutcome.Transient)
            : channel.Kind == ChannelKind.Email
            ? await EmailSender.SendAsync(
                channel, EmailMessages.Render(channel, Notice.FromJson(delivery.Payload), delivery.IdempotencyKey, delivery.CreatedAt), settings.Timeout, cancellationToken)
            : await SendAsync(channel, delivery, settings.Timeout, cancellationToken);
        delivery.LastStatusCode = result.Status;
        delivery.LastResponse = result.Response;
        delivery.LastError = result.Error;
        switch (result.Outcome)
        {
            case AttemptOutcome.Delivered:
                delivery.Status = DeliveryStatus.Delivered;
                delivery.DeliveredAt = clock.GetUtcNow();
                return;
            case AttemptOutcome.Permanent:
                delivery.Status = DeliveryStatus.DeadLettered;
                DeadLettered(logger, delivery.Id, delivery.Channel, delivery.Attempts, delivery.LastError ?? "refused");
                return;
        }

        if (delivery.Attempts >= settings.MaxAttempts)
        {
            delivery.Status = DeliveryStatus.DeadLettered;
            delivery.LastError = $"Gave up after {delivery.Attempts} attempts: {result.Error ?? $"the receiver answered {result.Status}"}";
            DeadLettered(logger, delivery.Id, delivery.Channel, delivery.Attempts, delivery.LastError);
            return;
        }

        delivery.NextAttemptAt = clock.GetUtcNow() + Backoff(delivery.Attempts, result.RetryAfter, settings);
    }

    /// <summary>The channel's token bucket; a new one when an Admin changed its budget.</summary>
    private RateLimiter Limiter(string channel, int permitsPerMinute)
    {
        if (_limiters.TryGetValue(channel, out var current) && current.Permits == permitsPerMinute)
        {
            return current.Limiter;
        }

        var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = permitsPerMinute,
            TokensPerPeriod = permitsPerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        _limiters[channel] = (permitsPerMinute, limiter);
        // Sends of one channel run one after another, so nobody holds the old bucket now.
        current.Limiter?.Dispose();
        return limiter;
    }

    /// <summary>RetryDelay × 2^(attempts − 1), capped at MaxRetryDelay, then between half and all of it at random, so
    /// deliveries that failed together do not come back together; a receiver's Retry-After wins (within the cap).</summary>
    internal static TimeSpan Backoff(int attempts, TimeSpan? retryAfter, NotificationOptions settings)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked < settings.MaxRetryDelay ? asked : settings.MaxRetryDelay;
        }

        var exponential = settings.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = Math.Min(exponential, settings.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private async Task<AttemptResult> SendAsync(
        ChannelSettings channel, NotificationDeliveryEntity delivery, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var sentAt = clock.GetUtcNow();
        var body = ChannelMessages.Render(channel.Kind, Notice.FromJson(delivery.Payload), delivery.IdempotencyKey, sentAt);
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.Add(ChannelMessages.IdempotencyHeader, delivery.IdempotencyKey);
        if (channel.Kind == ChannelKind.Webhook)
        {
            var timestamp = sentAt.ToUnixTimeSeconds();
            request.Headers.Add(ChannelMessages.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add(ChannelMessages.SignatureHeader, ChannelMessages.Signature(channel.Secret!, timestamp, body));
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            var text = await ReadStartAsync(response, attempt.Token);
            var retryAfter = response.Headers.RetryAfter is { } r
                ? r.Delta ?? (r.Date is { } date ? date - clock.GetUtcNow() : null)
                : null;
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new AttemptResult(status, text, null, retryAfter, AttemptOutcome.Delivered);
            }

            // 408, 425 and 429 say "later"; any other 4xx says the request itself is wrong, and will stay wrong.
            return status is >= 400 and < 500 and not (408 or 425 or 429)
                ? new AttemptResult(status, text, $"Refused by the receiver ({status}); not retried.", retryAfter, AttemptOutcome.Permanent)
                : new AttemptResult(status, text, $"The receiver answered {status} {response.ReasonPhrase}.", retryAfter, AttemptOutcome.Transient);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(null, null, $"No answer within {timeout.TotalSeconds:0.#} s.", null, AttemptOutcome.Transient);
        }
        catch (HttpRequestException e)
        {
            return new AttemptResult(null, null, $"Could not reach the receiver: {e.Message}", null, AttemptOutcome.Transient);
        }
    }

    private static async Task<string?> ReadStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new char[ResponseKept];
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        return read == 0 ? null : new string(buffer, 0, read);
    }

    /// <summary>Severity at least the channel's minimum; with a domain list, only alerts about those domains (or
    /// their subdomains); with a rule list, only alerts those rules raised (a notice no rule raised: none).</summary>
    internal static bool Wants(ChannelSettings channel, Notice notice) =>
        notice.Severity >= channel.MinimumSeverity
        && (channel.Domains.Count == 0 || (notice.Subject is { } subject && channel.Domains.Any(d =>
            subject.Equals(d, StringComparison.OrdinalIgnoreCase) || subject.EndsWith("." + d, StringComparison.OrdinalIgnoreCase))))
        && ChannelValidator.RuleMatches(channel.Rules, notice.Rule);

    internal static NotificationDeliveryEntity NewDelivery(string name, ChannelSettings channel, string key, long? outboxId, Notice notice, DateTimeOffset now) => new()
    {
        OutboxId = outboxId,
        Channel = name,
        Kind = channel.Kind.ToString(),
        IdempotencyKey = key,
        MessageType = notice.Type,
        Severity = notice.Severity.ToString(),
        Title = notice.Title.Length > 500 ? notice.Title[..500] : notice.Title,
        Payload = notice.ToJson(),
        Status = DeliveryStatus.Pending,
        NextAttemptAt = now,
        CreatedAt = now,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification dispatch failed; it goes on at the next poll")]
    private static partial void DispatchFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox message {OutboxId} ({MessageType}) cannot be read; no notification is sent for it")]
    private static partial void UnreadableMessage(ILogger logger, long outboxId, string messageType, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {DeliveryId} to {Channel} dead-lettered after {Attempts} attempt(s): {Reason}")]
    private static partial void DeadLettered(ILogger logger, long deliveryId, string channel, int attempts, string reason);
}
