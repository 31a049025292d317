using System.Security.Cryptography;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Notifications;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Notifications;

/// <summary>Where a channel comes from.</summary>
public enum ChannelSource
{
    /// <summary>Declared in configuration (<c>Notifications__Channels__&lt;name&gt;__*</c>): read-only in the UI and the API.</summary>
    Configuration,

    /// <summary>Added by an Admin in the UI or the API, kept in the database.</summary>
    Stored,
}

/// <summary>One channel of the directory, whichever its source.</summary>
/// <param name="Problem">Why it cannot be used now (its secrets cannot be unprotected), or null.</param>
public sealed record ChannelEntry(
    string Name, ChannelSettings Settings, ChannelSource Source, bool Enabled,
    DateTimeOffset? CreatedAt = null, string? CreatedBy = null, DateTimeOffset? UpdatedAt = null, string? UpdatedBy = null, string? Problem = null)
{
    /// <summary>Whether new notifications are queued for it.</summary>
    public bool Usable => Enabled && Problem is null;
}

/// <summary>
/// Every channel notifications can go to: those declared in configuration and those stored by Admins, by name. The
/// stored ones are read from the database at most every <see cref="RefreshInterval"/> (so the edits made on another Api
/// replica arrive within seconds) and at once after an edit made here. A configured channel wins over a stored one
/// of the same name (the API refuses to create one, but configuration may be changed later).
/// </summary>
public sealed partial class NotificationChannels(
    IDbContextFactory<DmarcDbContext> contexts,
    IOptionsMonitor<NotificationOptions> options,
    ChannelSecrets secrets,
    TimeProvider clock,
    ILogger<NotificationChannels> logger)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(3);

    private readonly SemaphoreSlim _loading = new(1, 1);

    // What was already logged, so a reload every few seconds does not repeat it.
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private volatile StoredSnapshot? _stored;
    private long _version;

    private sealed record StoredSnapshot(IReadOnlyList<ChannelEntry> Channels, long LoadedAt, long Version);

    /// <summary>Every channel by name (ordinal), the configured ones first in precedence.</summary>
    public async Task<IReadOnlyDictionary<string, ChannelEntry>> AllAsync(CancellationToken cancellationToken)
    {
        var stored = await StoredAsync(cancellationToken);
        var configured = options.CurrentValue.Channels;
        var all = new Dictionary<string, ChannelEntry>(StringComparer.Ordinal);
        foreach (var (name, settings) in configured)
        {
            all[name] = new ChannelEntry(name, settings, ChannelSource.Configuration, Enabled: true);
        }

        foreach (var channel in stored)
        {
            if (!IsConfigured(channel.Name))
            {
                all[channel.Name] = channel;
            }
        }

        return all;
    }

    public async Task<ChannelEntry?> FindAsync(string name, CancellationToken cancellationToken) =>
        (await AllAsync(cancellationToken)).GetValueOrDefault(name);

    /// <summary>The configured channel whose name is <paramref name="name"/> in any case, if any.</summary>
    public string? ConfiguredName(string name) =>
        options.CurrentValue.Channels.Keys.FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));

    public bool IsConfigured(string name) => ConfiguredName(name) is not null;

    /// <summary>Makes the next read go to the database: called after every edit in this process.</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    private async Task<IReadOnlyList<ChannelEntry>> StoredAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_stored) is { } fresh)
        {
            return fresh.Channels;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_stored) is { } loaded)
            {
                return loaded.Channels;
            }

            var version = Interlocked.Read(ref _version);
            var started = clock.GetTimestamp();
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var rows = await db.NotificationChannels.AsNoTracking().OrderBy(c => c.Name).ToListAsync(cancellationToken);
            var channels = rows.Select(ToEntry).ToList();
            foreach (var shadowed in channels.Where(c => IsConfigured(c.Name) && _reported.Add($"shadowed:{c.Name}")))
            {
                Shadowed(logger, shadowed.Name);
            }

            _stored = new StoredSnapshot(channels, started, version);
            return channels;
        }
        finally
        {
            _loading.Release();
        }
    }

    private StoredSnapshot? Fresh(StoredSnapshot? snapshot) =>
        snapshot is not null && snapshot.Version == Interlocked.Read(ref _version) && clock.GetElapsedTime(snapshot.LoadedAt) < RefreshInterval
            ? snapshot
            : null;

    private ChannelEntry ToEntry(NotificationChannelEntity row)
    {
        var settings = new ChannelSettings
        {
            Kind = Enum.Parse<ChannelKind>(row.Kind),
            MinimumSeverity = row.MinimumSeverity,
            Domains = [.. row.Domains],
            Rules = [.. row.Rules],
            PermitsPerMinute = row.PermitsPerMinute,
            Host = row.Host,
            Port = row.Port,
            Security = Enum.Parse<EmailSecurity>(row.Security),
            UserName = row.UserName,
            From = row.From,
            To = row.To,
            CertificateFingerprint = row.CertificateFingerprint,
        };
        string? problem = null;
        try
        {
            settings.Url = secrets.Unprotect(row.Name, ChannelSecrets.UrlPurpose, row.UrlProtected) is { } url ? new Uri(url) : null;
            settings.Secret = secrets.Unprotect(row.Name, ChannelSecrets.SecretPurpose, row.SecretProtected);
            settings.Password = secrets.Unprotect(row.Name, ChannelSecrets.PasswordPurpose, row.PasswordProtected);
        }
        catch (CryptographicException e)
        {
            // Keys of another application name, or a key ring this replica has not seen: say so rather than send blind.
            problem = "Its secrets cannot be unprotected with this Api's Data Protection keys; enter them again.";
            if (_reported.Add($"unreadable:{row.Name}:{row.UpdatedAt.ToUnixTimeMilliseconds()}"))
            {
                Unreadable(logger, row.Name, e);
            }
        }

        return new ChannelEntry(row.Name, settings, ChannelSource.Stored, row.Enabled, row.CreatedAt, row.CreatedBy, row.UpdatedAt, row.UpdatedBy, problem);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The stored notification channel {Channel} is ignored: a configured channel has its name")]
    private static partial void Shadowed(ILogger logger, string channel);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "The secrets of the notification channel {Channel} cannot be unprotected; nothing is sent to it")]
    private static partial void Unreadable(ILogger logger, string channel, Exception error);
}

/// <summary>Protects the secret parts of stored channels with ASP.NET Core Data Protection, each bound to its channel and
/// field, so a payload copied to another row or column does not unprotect.</summary>
public sealed class ChannelSecrets(IDataProtectionProvider provider)
{
    public const string UrlPurpose = "url";
    public const string SecretPurpose = "secret";
    public const string PasswordPurpose = "password";

    private readonly IDataProtector _protector = provider.CreateProtector("DmarcSecurity.Notifications.Channels.v1");

    public string? Protect(string channel, string field, string? value) =>
        value is null ? null : _protector.CreateProtector(channel, field).Protect(value);

    /// <summary>Throws <see cref="CryptographicException"/> when the payload was not protected by these keys for this field.</summary>
    public string? Unprotect(string channel, string field, string? payload) =>
        payload is null ? null : _protector.CreateProtector(channel, field).Unprotect(payload);
}
