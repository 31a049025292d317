using System.Security.Claims;
using System.Security.Cryptography;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Notifications;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Notifications;

/// <summary>A channel to add, or the changes to a stored one. On create a field left out takes its default (kind is
/// required); on change a field left out or null keeps its value, secrets included, and <c>""</c> clears an optional one.
/// <c>kind</c> Teams, Slack, Discord, Webhook or Email; <c>minimumSeverity</c> Info to Critical (default High);
/// <c>domains</c> and <c>rules</c> (alert rule keys, or prefixes ending in <c>*</c>) narrow what it gets, empty for all;
/// <c>url</c> the webhook's address; <c>secret</c> a Webhook channel's HMAC key (32 characters or more); <c>host</c>,
/// <c>port</c>, <c>security</c> (None, StartTls, SslOnConnect), <c>userName</c>, <c>password</c>, <c>from</c>, <c>to</c>
/// and <c>certificateFingerprint</c> an Email channel's SMTP server.</summary>
public sealed record ChannelRequest(
    string? Name = null, string? Kind = null, bool? Enabled = null, string? MinimumSeverity = null, IReadOnlyList<string>? Domains = null,
    IReadOnlyList<string>? Rules = null, int? PermitsPerMinute = null, string? Url = null, string? Secret = null, string? Host = null,
    int? Port = null, string? Security = null, string? UserName = null, string? Password = null, string? From = null, string? To = null,
    string? CertificateFingerprint = null)
{
    private const int MaxFieldLength = 2000;

    /// <summary>Applies the request to <paramref name="channel"/> (a new channel's defaults, or the stored one), drops what
    /// its kind does not use, and checks the result as configuration is checked; errors by field.</summary>
    internal void ApplyTo(ChannelSettings channel, bool creating, Dictionary<string, List<string>> errors)
    {
        var kindKnown = true;
        if (Kind is null)
        {
            if (creating)
            {
                FieldErrors.Add(errors, "kind", $"kind is required: one of {string.Join(", ", NamedValue.Of<ChannelKind>())}.");
                kindKnown = false;
            }
        }
        else if (NamedValue.Canonical(Kind, NamedValue.Of<ChannelKind>()) is { } kind)
        {
            channel.Kind = Enum.Parse<ChannelKind>(kind);
        }
        else
        {
            FieldErrors.Add(errors, "kind", NamedValue.Message("kind", NamedValue.Of<ChannelKind>()));
            kindKnown = false;
        }

        if (MinimumSeverity is not null)
        {
            if (NamedValue.Canonical(MinimumSeverity, NamedValue.Of<Severity>()) is { } severity)
            {
                channel.MinimumSeverity = Enum.Parse<Severity>(severity);
            }
            else
            {
                FieldErrors.Add(errors, "minimumSeverity", NamedValue.Message("minimumSeverity", NamedValue.Of<Severity>()));
            }
        }

        if (Security is not null)
        {
            if (NamedValue.Canonical(Security, NamedValue.Of<EmailSecurity>()) is { } security)
            {
                channel.Security = Enum.Parse<EmailSecurity>(security);
            }
            else
            {
                FieldErrors.Add(errors, "security", NamedValue.Message("security", NamedValue.Of<EmailSecurity>()));
            }
        }

        if (Domains is not null)
        {
            // Stored in one spelling (lower case, IDNs as A-labels); a bad one is reported by the check below.
            channel.Domains = [.. Domains.Select(d => DomainName.TryNormalise(d, out var domain) ? domain : d ?? "").Distinct(StringComparer.Ordinal)];
        }

        if (Rules is not null)
        {
            channel.Rules = [.. Rules.Select(r => r?.Trim() ?? "").Distinct(StringComparer.OrdinalIgnoreCase)];
        }

        if (PermitsPerMinute is { } permits)
        {
            channel.PermitsPerMinute = permits;
        }

        if (Port is { } port)
        {
            channel.Port = port;
        }

        if (Url is not null)
        {
            // Not an address at all: left unset, so the check below says what an address must be.
            channel.Url = Uri.TryCreate(Url.Trim(), UriKind.Absolute, out var url) ? url : null;
        }

        channel.Secret = FieldErrors.Text(Secret, "secret", channel.Secret, MaxFieldLength, errors, trim: false);
        channel.Password = FieldErrors.Text(Password, "password", channel.Password, MaxFieldLength, errors, trim: false);
        channel.Host = FieldErrors.Text(Host, "host", channel.Host, MaxFieldLength, errors);
        channel.UserName = FieldErrors.Text(UserName, "userName", channel.UserName, MaxFieldLength, errors);
        channel.From = FieldErrors.Text(From, "from", channel.From, MaxFieldLength, errors);
        channel.To = FieldErrors.Text(To, "to", channel.To, MaxFieldLength, errors);
        channel.CertificateFingerprint = FieldErrors.Text(CertificateFingerprint, "certificateFingerprint", channel.CertificateFingerprint, MaxFieldLength, errors);

        // What the kind does not use is not kept: a Slack channel turned into an Email channel keeps no webhook address.
        if (channel.Kind == ChannelKind.Email)
        {
            channel.Url = null;
            channel.Secret = null;
        }
        else
        {
            (channel.Host, channel.Port, channel.Security, channel.UserName, channel.Password, channel.From, channel.To, channel.CertificateFingerprint) =
                (null, 0, EmailSecurity.StartTls, null, null, null, null, null);
            if (channel.Kind != ChannelKind.Webhook)
            {
                channel.Secret = null;
            }
        }

        if (kindKnown)
        {
            ChannelValidator.Check(channel, "", (field, message) => FieldErrors.Add(errors, FieldErrors.JsonName(field), message));
        }
    }

    /// <summary>null keeps <paramref name="current"/>; blank clears it; otherwise the value, if it is one line of reasonable length.</summary>


}

public static partial class NotificationsApi
{
    /// <summary>A stored channel's name appears in URLs, idempotency keys and the log: letters, digits, '.', '-' and '_'.</summary>
    internal static bool IsChannelName(string name) =>
        name.Length is > 0 and <= TextField.MaxNameLength && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    public static async Task<Ok<IReadOnlyList<ChannelDto>>> ListChannels(NotificationChannels directory, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ChannelDto>>([.. (await directory.AllAsync(cancellationToken)).Values
            .OrderBy(c => c.Name, StringComparer.Ordinal).Select(ChannelDto.Of)]);

    public static async Task<Results<Ok<ChannelDto>, NotFound>> GetChannel(string name, NotificationChannels directory, CancellationToken cancellationToken) =>
        await directory.FindAsync(name, cancellationToken) is { } channel ? TypedResults.Ok(ChannelDto.Of(channel)) : TypedResults.NotFound();

    public static async Task<Results<Created<ChannelDto>, ValidationProblem, ProblemHttpResult>> CreateChannel(
        ChannelRequest request, ClaimsPrincipal user, NotificationChannels directory, ChannelSecrets secrets,
        IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var name = request.Name?.Trim() ?? "";
        if (!IsChannelName(name))
        {
            FieldErrors.Add(errors, "name", $"name is required: 1-{TextField.MaxNameLength} letters, digits, '.', '-' and '_', starting with a letter or digit.");
        }

        var settings = new ChannelSettings();
        request.ApplyTo(settings, creating: true, errors);
        if (errors.Count > 0)
        {
            return Problem(errors);
        }

        if (directory.ConfiguredName(name) is { } configured)
        {
            return Conflict($"'{configured}' is a channel declared in configuration (Notifications__Channels__{configured}__*); choose another name.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var lower = name.ToLowerInvariant();
        if (await db.NotificationChannels.AnyAsync(c => c.Name.ToLower() == lower, cancellationToken))
        {
            return Conflict($"A channel named '{name}' exists already.");
        }

        var now = clock.StoredNow();
        var actor = Actor.Of(user);
        var row = new NotificationChannelEntity
        {
            Name = name,
            Kind = "",
            Security = "",
            Enabled = request.Enabled ?? true,
            CreatedAt = now,
            CreatedBy = actor,
            UpdatedAt = now,
            UpdatedBy = actor,
        };
        Store(row, settings, secrets);
        db.NotificationChannels.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another Admin took the name a moment ago (the index is unique whatever the case).
            return Conflict($"A channel named '{name}' exists already.");
        }

        directory.Invalidate();
        return TypedResults.Created($"/api/notifications/channels/{Uri.EscapeDataString(name)}", ChannelDto.Of(Entry(row, settings)));
    }

    public static async Task<Results<Ok<ChannelDto>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateChannel(
        string name, ChannelRequest request, ClaimsPrincipal user, NotificationChannels directory, ChannelSecrets secrets,
        IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (directory.ConfiguredName(name) is { } configured)
        {
            return ConfiguredConflict(configured);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.NotificationChannels.AsTracking().FirstOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (row is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (request.Name is { } renamed && renamed.Trim() != row.Name)
        {
            FieldErrors.Add(errors, "name", "A channel cannot be renamed: add one under the new name, then delete this one.");
        }

        var settings = Settings(row, secrets);
        request.ApplyTo(settings, creating: false, errors);
        if (errors.Count > 0)
        {
            return Problem(errors);
        }

        Store(row, settings, secrets);
        row.Enabled = request.Enabled ?? row.Enabled;
        row.UpdatedAt = clock.StoredNow();
        row.UpdatedBy = Actor.Of(user);
        await db.SaveChangesAsync(cancellationToken);
        directory.Invalidate();
        return TypedResults.Ok(ChannelDto.Of(Entry(row, settings)));
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteChannel(
        string name, NotificationChannels directory, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        if (directory.ConfiguredName(name) is { } configured)
        {
            return ConfiguredConflict(configured);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var deleted = await db.NotificationChannels.Where(c => c.Name == name).ExecuteDeleteAsync(cancellationToken);
        directory.Invalidate();
        return deleted > 0 ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    /// <summary>The stored channel's settings with its secrets unprotected; a secret that no longer unprotects (keys lost)
    /// is left out, so the change must give it again.</summary>
    private static ChannelSettings Settings(NotificationChannelEntity row, ChannelSecrets secrets)
    {
        string? Read(string field, string? payload)
        {
            try
            {
                return secrets.Unprotect(row.Name, field, payload);
            }
            catch (CryptographicException)
            {
                return null;
            }
        }

        return new ChannelSettings
        {
            Kind = Enum.Parse<ChannelKind>(row.Kind),
            MinimumSeverity = row.MinimumSeverity,
            Domains = [.. row.Domains],
            Rules = [.. row.Rules],
            PermitsPerMinute = row.PermitsPerMinute,
            Url = Read(ChannelSecrets.UrlPurpose, row.UrlProtected) is { } url ? new Uri(url) : null,
            Secret = Read(ChannelSecrets.SecretPurpose, row.SecretProtected),
            Host = row.Host,
            Port = row.Port,
            Security = Enum.Parse<EmailSecurity>(row.Security),
            UserName = row.UserName,
            Password = Read(ChannelSecrets.PasswordPurpose, row.PasswordProtected),
            From = row.From,
            To = row.To,
            CertificateFingerprint = row.CertificateFingerprint,
        };
    }

    private static void Store(NotificationChannelEntity row, ChannelSettings settings, ChannelSecrets secrets)
    {
        row.Kind = settings.Kind.ToString();
        row.MinimumSeverity = settings.MinimumSeverity;
        row.Domains = [.. settings.Domains];
        row.Rules = [.. settings.Rules];
        row.PermitsPerMinute = settings.PermitsPerMinute;
        row.UrlProtected = secrets.Protect(row.Name, ChannelSecrets.UrlPurpose, settings.Url?.OriginalString);
        row.SecretProtected = secrets.Protect(row.Name, ChannelSecrets.SecretPurpose, settings.Secret);
        row.Host = settings.Host;
        row.Port = settings.Port;
        row.Security = settings.Security.ToString();
        row.UserName = settings.UserName;
        row.PasswordProtected = secrets.Protect(row.Name, ChannelSecrets.PasswordPurpose, settings.Password);
        row.From = settings.From;
        row.To = settings.To;
        row.CertificateFingerprint = settings.CertificateFingerprint;
    }

    private static ChannelEntry Entry(NotificationChannelEntity row, ChannelSettings settings) =>
        new(row.Name, settings, ChannelSource.Stored, row.Enabled, row.CreatedAt, row.CreatedBy, row.UpdatedAt, row.UpdatedBy);

    private static ValidationProblem Problem(Dictionary<string, List<string>> errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Channel name taken");

    private static ProblemHttpResult ConfiguredConflict(string name) => TypedResults.Problem(
        $"'{name}' is declared in configuration: change or remove the settings Notifications__Channels__{name}__* where the Api is deployed.",
        statusCode: StatusCodes.Status409Conflict, title: "Configured channel");
}
