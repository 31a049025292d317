using DmarcSecurity.Core.Grains;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Notifications;

/// <summary>How a channel is spoken to.</summary>
public enum ChannelKind
{
    /// <summary>A Microsoft Teams incoming webhook or Workflows trigger: an Adaptive Card message.</summary>
    Teams,

    /// <summary>A Slack incoming webhook: Block Kit.</summary>
    Slack,

    /// <summary>A Discord webhook: an embed.</summary>
    Discord,

    /// <summary>Any HTTPS endpoint: our JSON, signed with HMAC-SHA256 over the timestamp and the body.</summary>
    Webhook,

    /// <summary>E-mail through an SMTP server: a plain-text and an HTML body.</summary>
    Email,
}

/// <summary>How the connection to an SMTP server is protected.</summary>
public enum EmailSecurity
{
    /// <summary>Plain text: the password and the messages cross the network readable. Only for a relay on the same host.</summary>
    None,

    /// <summary>Plain connection upgraded with STARTTLS before anything is sent (port 587 by default); refused when the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465 by default).</summary>
    SslOnConnect,
}

/// <summary>Notifications (section <c>Notifications</c>): the channels the outbox is delivered to, and how hard to try.</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary><c>Notifications__Channels__&lt;name&gt;__Kind</c>, <c>__Url</c>, <c>__Secret</c>, <c>__MinimumSeverity</c>, ...</summary>
    public Dictionary<string, ChannelSettings> Channels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Attempts per delivery before it is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>Wait after the first failed attempt; doubled after each further one, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts (also the cap on a receiver's Retry-After).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the dispatcher looks at the outbox and the deliveries that are due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Web app's address, for links in messages (none when unset).</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The weekly digest (<c>Notifications__Digest__*</c>).</summary>
    public DigestSettings Digest { get; set; } = new();
}

/// <summary>Which e-mail channels get the weekly digest per domain, and when.</summary>
public sealed class DigestSettings
{
    /// <summary>Names of Email channels; none: no digest is sent on schedule.</summary>
    public List<string> Channels { get; set; } = [];

    /// <summary>The UTC day it is sent on; it covers the seven UTC days before that day.</summary>
    public DayOfWeek Day { get; set; } = DayOfWeek.Monday;

    /// <summary>The UTC time of day it is sent at.</summary>
    public TimeSpan Time { get; set; } = TimeSpan.FromHours(7);
}

public sealed class ChannelSettings
{
    public ChannelKind Kind { get; set; } = ChannelKind.Webhook;

    /// <summary>The webhook's address. It holds the channel's secret for Teams, Slack and Discord: never shown.</summary>
    public Uri? Url { get; set; }

    /// <summary>The HMAC key of a <see cref="ChannelKind.Webhook"/> channel (at least 32 characters).</summary>
    public string? Secret { get; set; }

    /// <summary>Only alerts and decisions at least this severe go to the channel.</summary>
    public Severity MinimumSeverity { get; set; } = Severity.High;

    /// <summary>Only these domains' alerts (and the sources that claimed them); empty for all.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>Only alerts raised by these rules (<c>source.threat</c>, or a prefix such as <c>domain.*</c>); empty for all.
    /// A decision travels in the alert that its rule raised, so it follows that rule; a notice no rule raised goes only
    /// to channels without a rule list.</summary>
    public List<string> Rules { get; set; } = [];

    /// <summary>Sends a minute at most; the rest wait their turn.</summary>
    public int PermitsPerMinute { get; set; } = 30;

    /// <summary>The SMTP server of an <see cref="ChannelKind.Email"/> channel.</summary>
    public string? Host { get; set; }

    /// <summary>0: 465 for <see cref="EmailSecurity.SslOnConnect"/>, 587 for StartTls, 25 otherwise.</summary>
    public int Port { get; set; }

    public EmailSecurity Security { get; set; } = EmailSecurity.StartTls;

    /// <summary>The SMTP sign-in; none: the server is not asked to authenticate.</summary>
    public string? UserName { get; set; }

    /// <summary>Never logged, never shown.</summary>
    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>DmarcSecurity &lt;dmarc@example.com&gt;</c>.</summary>
    public string? From { get; set; }

    /// <summary>Recipients, separated by commas.</summary>
    public string? To { get; set; }

    /// <summary>The SHA-256 fingerprint (hex) of the SMTP server's certificate, for a relay with a certificate no
    /// authority signed: that certificate is then accepted, and only it. None: the usual chain and name checks.</summary>
    public string? CertificateFingerprint { get; set; }

    public int EffectivePort => Port != 0 ? Port : Security switch
    {
        EmailSecurity.SslOnConnect => 465,
        EmailSecurity.StartTls => 587,
        _ => 25,
    };

    /// <summary>Without the URL, the secret and the password, so an accidental log line cannot leak them.</summary>
    public override string ToString() => Kind == ChannelKind.Email ? $"Email via {Host}:{EffectivePort}" : $"{Kind} to {Url?.Host}";
}

/// <summary>Checks every channel at start; a message names the setting at fault.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var failures = new List<string>();
        if (options.MaxAttempts is < 1 or > 100)
        {
            failures.Add("Notifications:MaxAttempts must be between 1 and 100.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add("Notifications:RetryDelay must be positive and no longer than Notifications:MaxRetryDelay.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.Timeout <= TimeSpan.Zero)
        {
            failures.Add("Notifications:PollInterval must be at least 10 ms and Notifications:Timeout positive.");
        }

        foreach (var (channel, settings) in options.Channels)
        {
            var at = $"Notifications:Channels:{channel}";
            if (Common.TextField.CheckName(channel) is not null)
            {
                failures.Add($"{at}: a channel's name is 1-100 characters without control characters.");
            }

            ChannelValidator.Check(settings, at + ":", (_, message) => failures.Add(message));
        }

        foreach (var channel in options.Digest.Channels)
        {
            if (!options.Channels.TryGetValue(channel, out var settings) || settings.Kind != ChannelKind.Email)
            {
                failures.Add($"Notifications:Digest:Channels: '{channel}' is not a configured Email channel (Notifications:Channels:{channel}:Kind = Email).");
            }
        }

        if (!Enum.IsDefined(options.Digest.Day) || options.Digest.Time < TimeSpan.Zero || options.Digest.Time >= TimeSpan.FromDays(1))
        {
            failures.Add("Notifications:Digest:Day must be a day of the week (Monday, ...) and Notifications:Digest:Time a time of day (00:00 to 23:59).");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
