using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Notifications;

/// <summary>Where a delivery stands.</summary>
public enum DeliveryStatus
{
    /// <summary>Not yet accepted by the receiver; tried again at <see cref="NotificationDeliveryEntity.NextAttemptAt"/>.</summary>
    Pending,

    /// <summary>The receiver accepted it.</summary>
    Delivered,

    /// <summary>Given up: the receiver refused it outright, or every attempt allowed failed.</summary>
    DeadLettered,
}

/// <summary>One notification to one channel: sent at least once, each attempt with the same idempotency key, until the
/// receiver accepts it or the attempts run out. The delivery log the UI and the API show.</summary>
public sealed class NotificationDeliveryEntity
{
    public long Id { get; set; }

    /// <summary>The outbox message it came from; null for a test sent by an Admin.</summary>
    public long? OutboxId { get; set; }

    public required string Channel { get; set; }

    /// <summary>Teams, Slack, Discord, Email or Webhook, when it was created.</summary>
    public required string Kind { get; set; }

    /// <summary>The same on every attempt, so a receiver can drop repeats.</summary>
    public required string IdempotencyKey { get; set; }

    public required string MessageType { get; set; }

    public required string Severity { get; set; }

    public required string Title { get; set; }

    /// <summary>What is to be said, as JSON independent of the channel's format (rendered at every attempt).</summary>
    public required string Payload { get; set; }

    public DeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>Set by the dispatcher that took it for an attempt, so two Api replicas never send it at once.</summary>
    public Guid? ClaimToken { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>The receiver's HTTP status on the last attempt (250 for an SMTP server that accepted the message).</summary>
    public int? LastStatusCode { get; set; }

    /// <summary>The start of the receiver's answer to the last attempt.</summary>
    public string? LastResponse { get; set; }

    public string? LastError { get; set; }
}

internal sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDeliveryEntity>
{
    public void Configure(EntityTypeBuilder<NotificationDeliveryEntity> builder)
    {
        builder.ToTable("notification_deliveries");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).HasColumnName("id");
        builder.Property(d => d.OutboxId).HasColumnName("outbox_id");
        builder.Property(d => d.Channel).HasColumnName("channel");
        builder.Property(d => d.Kind).HasColumnName("kind");
        builder.Property(d => d.IdempotencyKey).HasColumnName("idempotency_key");
        builder.Property(d => d.MessageType).HasColumnName("message_type");
        builder.Property(d => d.Severity).HasColumnName("severity");
        builder.Property(d => d.Title).HasColumnName("title");
        builder.Property(d => d.Payload).HasColumnName("payload");
        builder.Property(d => d.Status).HasColumnName("status").HasConversion<string>();
        builder.Property(d => d.Attempts).HasColumnName("attempts");
        builder.Property(d => d.NextAttemptAt).HasColumnName("next_attempt_at");
        builder.Property(d => d.ClaimToken).HasColumnName("claim_token");
        builder.Property(d => d.CreatedAt).HasColumnName("created_at");
        builder.Property(d => d.LastAttemptAt).HasColumnName("last_attempt_at");
        builder.Property(d => d.DeliveredAt).HasColumnName("delivered_at");
        builder.Property(d => d.LastStatusCode).HasColumnName("last_status_code");
        builder.Property(d => d.LastResponse).HasColumnName("last_response");
        builder.Property(d => d.LastError).HasColumnName("last_error");
    }
}
