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

    /// <summary>Sends a minute at most; the rest wait their turn.</summary>
    public int PermitsPerMinute { get; set; } = 30;

    /// <summary>Without the URL and the secret, so an accidental log line cannot leak them.</summary>
    public override string ToString() => $"{Kind} to {Url?.Host}";
}

/// <summary>Checks every channel at start; a message names the setting at fault.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public const int MinimumSecretLength = 32;

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

            if (settings.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
            {
                failures.Add($"{at}:Url must be an absolute https address (http only to this machine).");
            }

            if (settings.Kind == ChannelKind.Webhook && settings.Secret is not { Length: >= MinimumSecretLength })
            {
                failures.Add($"{at}:Secret must be at least {MinimumSecretLength} characters for a Webhook channel.");
            }

            if (settings.PermitsPerMinute is < 1 or > 10_000)
            {
                failures.Add($"{at}:PermitsPerMinute must be between 1 and 10000.");
            }
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
