using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Notifications;

/// <summary>A channel as the API shows it: never its secrets, only whether each is set.</summary>
/// <param name="Target">The receiver's scheme and host; the rest of a webhook's address is a secret.</param>
/// <param name="Rules">The alert rules it gets (empty: all).</param>
/// <param name="Host">The SMTP server and the other e-mail settings: Email channels only.</param>
/// <param name="HasUrl">Whether the webhook address is set (never shown: a chat webhook's address is its credential).</param>
/// <param name="Problem">Why it cannot be used now, or null.</param>
public sealed record ChannelDto(
    string Name, ChannelKind Kind, string Target, Core.Grains.Severity MinimumSeverity, IReadOnlyList<string> Domains, int PermitsPerMinute,
    IReadOnlyList<string> Rules, ChannelSource Source, bool Enabled,
    string? Host, int? Port, EmailSecurity? Security, string? UserName, string? From, string? To, string? CertificateFingerprint,
    bool HasUrl, bool HasSecret, bool HasPassword,
    DateTimeOffset? CreatedAt, string? CreatedBy, DateTimeOffset? UpdatedAt, string? UpdatedBy, string? Problem)
{
    public static ChannelDto Of(ChannelEntry channel)
    {
        var s = channel.Settings;
        var email = s.Kind == ChannelKind.Email;
        return new ChannelDto(
            channel.Name, s.Kind, TargetOf(s), s.MinimumSeverity, s.Domains, s.PermitsPerMinute, s.Rules, channel.Source, channel.Enabled,
            email ? s.Host : null, email ? s.Port : null, email ? s.Security : null, email ? s.UserName : null, email ? s.From : null,
            email ? s.To : null, email ? s.CertificateFingerprint : null,
            s.Url is not null, s.Secret is not null, s.Password is not null,
            channel.CreatedAt, channel.CreatedBy, channel.UpdatedAt, channel.UpdatedBy, channel.Problem);
    }

    private static string TargetOf(ChannelSettings channel) => channel.Kind == ChannelKind.Email
        ? $"smtp://{channel.Host}:{channel.EffectivePort}"
        : channel.Url is { } url ? $"{url.Scheme}://{url.Authority}" : "";
}

public sealed record DeliveryDto(
    long Id, long? OutboxId, string Channel, string Kind, string IdempotencyKey, string MessageType, string Severity, string Title,
    DeliveryStatus Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt, int? LastStatusCode, string? LastResponse, string? LastError)
{
    public static DeliveryDto From(NotificationDeliveryEntity d) => new(
        d.Id, d.OutboxId, d.Channel, d.Kind, d.IdempotencyKey, d.MessageType, d.Severity, d.Title, d.Status, d.Attempts, d.CreatedAt,
        d.LastAttemptAt, d.DeliveredAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.LastStatusCode, d.LastResponse, d.LastError);
}

/// <summary>The channels notifications go to, a test message for each, and the delivery log.</summary>
public static partial class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization(Policies.Admin);
        group.MapGet("/channels", ListChannels).WithName(nameof(ListChannels))
            .WithSummary("Every channel, configured (Notifications__Channels__<name>__*) and stored, without their secrets.");
        group.MapGet("/channels/{name}", GetChannel).WithName(nameof(GetChannel))
            .WithSummary("One channel, without its secrets.");
        group.MapPost("/channels", CreateChannel).WithName(nameof(CreateChannel))
            .WithSummary("Add a channel: its kind, where it sends, and which alerts it gets (severity, domains, rules).");
        group.MapPut("/channels/{name}", UpdateChannel).WithName(nameof(UpdateChannel))
            .WithSummary("Change a stored channel: the fields given; a field left out or null (a secret too) keeps its value, \"\" clears it.");
        group.MapDelete("/channels/{name}", DeleteChannel).WithName(nameof(DeleteChannel))
            .WithSummary("Delete a stored channel; what was queued for it is not sent.");
        group.MapPost("/channels/{name}/test", SendTest).WithName(nameof(SendTest))
            .WithSummary("Queue a test message to a channel; its delivery shows in the log within seconds.");
        group.MapPost("/digest", SendDigest).WithName(nameof(SendDigest))
            .WithSummary("Queue the weekly digest now to the digest channels (or one channel), for one domain or all, for the last week or a given period.");
        group.MapGet("/deliveries", ListDeliveries).WithName(nameof(ListDeliveries))
            .WithSummary("The delivery log, newest first: status, attempts and the receiver's last answer.");
        return endpoints;
    }

    /// <summary>Queues the digest: <c>from</c> and <c>to</c> are UTC days (the period is [from, to], whole days, up to 31),
    /// by default the last week as the schedule would send it; <c>channel</c> one Email channel, by default the digest
    /// channels. A period already queued to a channel is not queued again (its delivery is returned).</summary>
    public static async Task<Results<Accepted<IReadOnlyList<DigestQueued>>, ValidationProblem>> SendDigest(
        string? domain, DateOnly? from, DateOnly? to, string? channel, IOptionsMonitor<NotificationOptions> options, WeeklyDigest digest,
        NotificationChannels directory, TimeProvider clock, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (start, end) = WeeklyDigest.LastWeek(clock.GetUtcNow(), settings.Digest.Day);
        if (from is { } f)
        {
            start = new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            end = to is { } t ? new DateTimeOffset(t.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1) : start.AddDays(7);
        }
        else if (to is not null)
        {
            errors["from"] = ["from is required with to."];
        }

        if (end <= start || end - start > TimeSpan.FromDays(31))
        {
            errors["to"] = ["The period runs from 'from' to 'to' (both included), 1 to 31 days."];
        }

        var normalised = string.IsNullOrWhiteSpace(domain) ? null : domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (normalised is not null && (normalised.Length > 253 || normalised.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))))
        {
            errors["domain"] = ["domain must be a domain name."];
        }

        IReadOnlyCollection<string> channels = settings.Digest.Channels;
        if (!string.IsNullOrEmpty(channel))
        {
            var named = await directory.FindAsync(channel, cancellationToken);
            if (named is not { Settings.Kind: ChannelKind.Email })
            {
                errors["channel"] = [$"'{channel}' is not an Email channel."];
            }
            else if (!named.Usable)
            {
                errors["channel"] = [named.Problem ?? $"'{channel}' is disabled."];
            }

            channels = [channel];
        }
        else if (channels.Count == 0)
        {
            errors["channel"] = ["No digest channels are configured (Notifications__Digest__Channels__0); name an Email channel."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var queued = await digest.QueueAsync(start, end, normalised, channels, cancellationToken);
        return TypedResults.Accepted("/api/notifications/deliveries", queued);
    }

    /// <summary>Queues a test to the channel, enabled or not (an Admin may check a channel before enabling it).</summary>
    public static async Task<Results<Accepted<DeliveryDto>, NotFound>> SendTest(
        string name, ClaimsPrincipal user, IOptionsMonitor<NotificationOptions> options, NotificationChannels directory,
        IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (await directory.FindAsync(name, cancellationToken) is not { } channel)
        {
            return TypedResults.NotFound();
        }

        var now = clock.GetUtcNow();
        var delivery = NotificationDispatcher.NewDelivery(
            name, channel.Settings, $"test-{Guid.NewGuid():N}", null, Notice.Test(name, Actor.Of(user), now, settings.PublicBaseUrl), now);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.NotificationDeliveries.Add(delivery);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/api/notifications/deliveries?channel={Uri.EscapeDataString(name)}", DeliveryDto.From(delivery));
    }

    public static async Task<Ok<PagedResult<DeliveryDto>>> ListDeliveries(
        string? channel, DeliveryStatus? status, int? page, int? pageSize, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.NotificationDeliveries.AsQueryable();
        if (!string.IsNullOrEmpty(channel))
        {
            query = query.Where(d => d.Channel == channel);
        }

        if (status is { } s)
        {
            query = query.Where(d => d.Status == s);
        }

        return TypedResults.Ok(await query.PageAsync(
            PagedQuery.Sort<NotificationDeliveryEntity>("-createdAt", ("createdAt", (q, desc) => desc ? q.OrderByDescending(d => d.CreatedAt) : q.OrderBy(d => d.CreatedAt))),
            d => d.Id, new PageRequest(page ?? 1, pageSize ?? 50), DeliveryDto.From, cancellationToken));
    }
}
