namespace DmarcSecurity.Web.Api;

// GET /api/notifications/channels and /api/notifications/deliveries, as the Api shows them.

/// <param name="Target">The receiver's scheme and host; the rest of a webhook address is a secret the Api never shows.</param>
public sealed record NotificationChannelDto(string Name, string Kind, string Target, string MinimumSeverity, IReadOnlyList<string> Domains, int PermitsPerMinute);

/// <param name="Status">Pending, Delivered or DeadLettered.</param>
public sealed record NotificationDeliveryDto(
    long Id, long? OutboxId, string Channel, string Kind, string IdempotencyKey, string MessageType, string Severity, string Title,
    string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt, int? LastStatusCode, string? LastResponse, string? LastError);
