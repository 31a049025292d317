using System.Text.Json;
using DmarcSecurity.Core.Grains;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace DmarcSecurity.Data.Notifications;

/// <summary>A notification channel an Admin added in the UI or the API (those declared in configuration are not
/// stored). The parts that give access to the receiver are kept only as Data Protection payloads: the webhook's
/// address (a chat webhook's URL is itself its credential), the HMAC key and the SMTP password.</summary>
public sealed class NotificationChannelEntity
{
    public long Id { get; set; }

    /// <summary>Unique, case-insensitively, and never the name of a configured channel.</summary>
    public required string Name { get; set; }

    /// <summary>Teams, Slack, Discord, Webhook or Email.</summary>
    public required string Kind { get; set; }

    /// <summary>False: nothing new is queued for it, and what was queued is not sent (an Admin's test excepted).</summary>
    public bool Enabled { get; set; }

    public Severity MinimumSeverity { get; set; }

    /// <summary>Only these domains' alerts (and their subdomains'); empty for all.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>Only alerts raised by these rules (keys such as <c>source.threat</c>, or a prefix ending in <c>*</c>); empty for all.</summary>
    public List<string> Rules { get; set; } = [];

    public int PermitsPerMinute { get; set; }

    /// <summary>The webhook's address, protected.</summary>
    public string? UrlProtected { get; set; }

    /// <summary>The HMAC key of a Webhook channel, protected.</summary>
    public string? SecretProtected { get; set; }

    public string? Host { get; set; }

    public int Port { get; set; }

    /// <summary>None, StartTls or SslOnConnect.</summary>
    public required string Security { get; set; }

    public string? UserName { get; set; }

    /// <summary>The SMTP password, protected.</summary>
    public string? PasswordProtected { get; set; }

    public string? From { get; set; }

    public string? To { get; set; }

    public string? CertificateFingerprint { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public required string UpdatedBy { get; set; }
}

internal sealed class NotificationChannelConfiguration : IEntityTypeConfiguration<NotificationChannelEntity>
{
    public void Configure(EntityTypeBuilder<NotificationChannelEntity> builder)
    {
        builder.ToTable("notification_channels");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasColumnName("id");
        builder.Property(c => c.Name).HasColumnName("name");
        builder.Property(c => c.Kind).HasColumnName("kind");
        builder.Property(c => c.Enabled).HasColumnName("enabled");
        builder.Property(c => c.MinimumSeverity).HasColumnName("minimum_severity").HasConversion<string>();
        builder.Property(c => c.Domains).HasColumnName("domains").HasConversion(new StringListConverter(), StringListConverter.Comparer);
        builder.Property(c => c.Rules).HasColumnName("rules").HasConversion(new StringListConverter(), StringListConverter.Comparer);
        builder.Property(c => c.PermitsPerMinute).HasColumnName("permits_per_minute");
        builder.Property(c => c.UrlProtected).HasColumnName("url_protected");
        builder.Property(c => c.SecretProtected).HasColumnName("secret_protected");
        builder.Property(c => c.Host).HasColumnName("host");
        builder.Property(c => c.Port).HasColumnName("port");
        builder.Property(c => c.Security).HasColumnName("security");
        builder.Property(c => c.UserName).HasColumnName("user_name");
        builder.Property(c => c.PasswordProtected).HasColumnName("password_protected");
        builder.Property(c => c.From).HasColumnName("from_address");
        builder.Property(c => c.To).HasColumnName("to_addresses");
        builder.Property(c => c.CertificateFingerprint).HasColumnName("certificate_fingerprint");
        builder.Property(c => c.CreatedAt).HasColumnName("created_at");
        builder.Property(c => c.CreatedBy).HasColumnName("created_by");
        builder.Property(c => c.UpdatedAt).HasColumnName("updated_at");
        builder.Property(c => c.UpdatedBy).HasColumnName("updated_by");
    }
}

/// <summary>A list of names as a JSON array in a text column (both providers, one spelling).</summary>
internal sealed class StringListConverter() : ValueConverter<List<string>, string>(
    value => JsonSerializer.Serialize(value, (JsonSerializerOptions?)null),
    text => JsonSerializer.Deserialize<List<string>>(text, (JsonSerializerOptions?)null) ?? new List<string>())
{
    public static readonly ValueComparer<List<string>> Comparer = new(
        (a, b) => a == null ? b == null : b != null && a.SequenceEqual(b),
        value => value.Aggregate(0, (hash, item) => HashCode.Combine(hash, item.GetHashCode(StringComparison.Ordinal))),
        value => value.ToList());
}

/// <summary>The ASP.NET Core Data Protection key ring (<see cref="DataProtectionKey"/>), kept in the database so every Api
/// replica protects and unprotects the channels' secrets with the same keys, across restarts.</summary>
internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> builder)
    {
        builder.ToTable("data_protection_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasColumnName("id");
        builder.Property(k => k.FriendlyName).HasColumnName("friendly_name");
        builder.Property(k => k.Xml).HasColumnName("xml");
    }
}
