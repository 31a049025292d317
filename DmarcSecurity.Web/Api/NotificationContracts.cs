namespace DmarcSecurity.Web.Api;

// /api/notifications/channels and /api/notifications/deliveries, as the Api shows them.

/// <param name="Target">The receiver's scheme and host; the rest of a webhook address is a secret the Api never shows.</param>
/// <param name="Source">Configuration (read-only here) or Stored (added by an Admin).</param>
/// <param name="HasUrl">Whether the webhook address is set; the address itself is never shown (nor the secret, nor the password).</param>
/// <param name="Host">The SMTP settings: Email channels only.</param>
/// <param name="Problem">Why the channel cannot be used now, or null.</param>
public sealed record NotificationChannelDto(
    string Name, string Kind, string Target, string MinimumSeverity, IReadOnlyList<string> Domains, int PermitsPerMinute,
    IReadOnlyList<string> Rules, string Source, bool Enabled,
    string? Host, int? Port, string? Security, string? UserName, string? From, string? To, string? CertificateFingerprint,
    bool HasUrl, bool HasSecret, bool HasPassword,
    DateTimeOffset? CreatedAt, string? CreatedBy, DateTimeOffset? UpdatedAt, string? UpdatedBy, string? Problem)
{
    public bool IsConfigured => Source == "Configuration";
}

/// <summary>POST /api/notifications/channels and PUT /api/notifications/channels/{name}: on a change, null keeps the
/// stored value (the secrets too) and "" clears an optional one.</summary>
public sealed record NotificationChannelRequest(
    string? Name, string? Kind, bool? Enabled, string? MinimumSeverity, IReadOnlyList<string>? Domains, IReadOnlyList<string>? Rules,
    int? PermitsPerMinute, string? Url, string? Secret, string? Host, int? Port, string? Security, string? UserName, string? Password,
    string? From, string? To, string? CertificateFingerprint);

/// <param name="Status">Pending, Delivered or DeadLettered.</param>
public sealed record NotificationDeliveryDto(
    long Id, long? OutboxId, string Channel, string Kind, string IdempotencyKey, string MessageType, string Severity, string Title,
    string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt, int? LastStatusCode, string? LastResponse, string? LastError);

public static class NotificationChoices
{
    public static readonly string[] Kinds = ["Teams", "Slack", "Discord", "Webhook", "Email"];

    public static readonly string[] Severities = ["Info", "Low", "Medium", "High", "Critical"];

    public static readonly string[] Securities = ["StartTls", "SslOnConnect", "None"];
}
