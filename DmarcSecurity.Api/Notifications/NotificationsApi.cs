using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Notifications;

/// <param name="Target">The receiver's scheme and host; the rest of a webhook's address is a secret.</param>
public sealed record ChannelDto(string Name, ChannelKind Kind, string Target, Core.Grains.Severity MinimumSeverity, IReadOnlyList<string> Domains, int PermitsPerMinute);

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
public static class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization(Policies.Admin);
        group.MapGet("/channels", ListChannels).WithName(nameof(ListChannels))
            .WithSummary("The configured channels (Notifications__Channels__<name>__*), without their secrets.");
        group.MapPost("/channels/{name}/test", SendTest).WithName(nameof(SendTest))
            .WithSummary("Queue a test message to a channel; its delivery shows in the log within seconds.");
        group.MapGet("/deliveries", ListDeliveries).WithName(nameof(ListDeliveries))
            .WithSummary("The delivery log, newest first: status, attempts and the receiver's last answer.");
        return endpoints;
    }

    public static Ok<IReadOnlyList<ChannelDto>> ListChannels(IOptionsMonitor<NotificationOptions> options) =>
        TypedResults.Ok<IReadOnlyList<ChannelDto>>([.. options.CurrentValue.Channels.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new ChannelDto(
            c.Key, c.Value.Kind, c.Value.Url is { } url ? $"{url.Scheme}://{url.Authority}" : "", c.Value.MinimumSeverity, c.Value.Domains, c.Value.PermitsPerMinute))]);

    public static async Task<Results<Accepted<DeliveryDto>, NotFound>> SendTest(
        string name, ClaimsPrincipal user, IOptionsMonitor<NotificationOptions> options, IDbContextFactory<DmarcDbContext> contexts,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (!settings.Channels.TryGetValue(name, out var channel))
        {
            return TypedResults.NotFound();
        }

        var now = clock.GetUtcNow();
        var delivery = NotificationDispatcher.NewDelivery(
            name, channel, $"test-{Guid.NewGuid():N}", null, Notice.Test(name, Actor.Of(user), now, settings.PublicBaseUrl), now);
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
