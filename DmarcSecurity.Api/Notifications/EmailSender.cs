using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace DmarcSecurity.Api.Notifications;

/// <summary>What one attempt came to: the receiver's status (HTTP, or the SMTP reply code), the start of its answer,
/// why it failed, and whether trying again can help.</summary>
internal sealed record AttemptResult(int? Status, string? Response, string? Error, TimeSpan? RetryAfter, AttemptOutcome Outcome);

internal enum AttemptOutcome
{
    Delivered,

    /// <summary>Worth another attempt after the backoff (no answer, 4xx SMTP, 5xx HTTP, ...).</summary>
    Transient,

    /// <summary>Trying again cannot help: dead-lettered at once.</summary>
    Permanent,
}

/// <summary>Sends a notice as e-mail with MailKit: one connection per attempt (notifications are rare, and a pooled
/// connection would go stale between them), the server's answer kept for the delivery log.</summary>
internal static class EmailSender
{
    public static async Task<AttemptResult> SendAsync(ChannelSettings channel, MimeMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds) };
        if (channel.CertificateFingerprint is { Length: > 0 } pinned)
        {
            var expected = NormaliseFingerprint(pinned);
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && CryptographicOperations.FixedTimeEquals(
                    Convert.FromHexString(expected), SHA256.HashData(certificate.GetRawCertData()));
        }

        var security = channel.Security switch
        {
            EmailSecurity.None => SecureSocketOptions.None,
            EmailSecurity.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.SslOnConnect,
        };
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(channel.Host!, channel.EffectivePort, security, attempt.Token);
            if (!string.IsNullOrEmpty(channel.UserName))
            {
                await client.AuthenticateAsync(channel.UserName, channel.Password ?? "", attempt.Token);
            }

            var answer = await client.SendAsync(message, attempt.Token);
            await QuitAsync(client);
            return new AttemptResult(250, Cut(answer), null, null, AttemptOutcome.Delivered);
        }
        catch (SmtpCommandException e)
        {
            var code = (int)e.StatusCode;
            var reply = Cut($"{code} {e.Message}");
            await QuitAsync(client);
            return code >= 500
                ? new AttemptResult(code, reply, $"The SMTP server refused the message ({code}); not retried.", null, AttemptOutcome.Permanent)
                : new AttemptResult(code, reply, $"The SMTP server answered {code}.", null, AttemptOutcome.Transient);
        }
        catch (AuthenticationException e)
        {
            return new AttemptResult(535, Cut(e.Message), "The SMTP server refused the sign-in (check UserName and Password); not retried.", null, AttemptOutcome.Permanent);
        }
        catch (SslHandshakeException e)
        {
            return new AttemptResult(null, null, Cut($"TLS with the SMTP server failed (its certificate is not trusted, or not the pinned one); not retried: {e.Message}"), null, AttemptOutcome.Permanent);
        }
        catch (NotSupportedException e)
        {
            // STARTTLS asked for and not offered, or no sign-in mechanism in common: a configuration error.
            return new AttemptResult(null, null, Cut($"The SMTP server does not support what the channel asks for; not retried: {e.Message}"), null, AttemptOutcome.Permanent);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(null, null, $"No answer from the SMTP server within {timeout.TotalSeconds:0.#} s.", null, AttemptOutcome.Transient);
        }
        catch (Exception e) when (e is SocketException or IOException or SmtpProtocolException or TimeoutException or ServiceNotConnectedException)
        {
            return new AttemptResult(null, null, Cut($"Could not reach the SMTP server {channel.Host}:{channel.EffectivePort}: {e.Message}"), null, AttemptOutcome.Transient);
        }
    }

    /// <summary>Hex without separators or case, as <see cref="ChannelSettings.CertificateFingerprint"/> may be written
    /// (<c>AB:CD:...</c> as openssl prints it).</summary>
    public static string NormaliseFingerprint(string fingerprint) =>
        fingerprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();

    private static async Task QuitAsync(SmtpClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.DisconnectAsync(quit: true, quit.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or OperationCanceledException or SmtpCommandException)
        {
            // The message was accepted or refused already; a failed QUIT changes nothing.
        }
    }

    private static string Cut(string text) => text.Length <= 2000 ? text : text[..2000];
}

/// <summary>The settings of an Email channel, checked at start.</summary>
internal static class EmailChannelValidator
{
    /// <summary>Reports each bad setting of an Email channel to <paramref name="fail"/> (the setting's name, and a message
    /// that starts with <paramref name="prefix"/>: where the channel is declared, or nothing).</summary>
    public static void Check(ChannelSettings settings, string prefix, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            fail(nameof(settings.Host), $"{prefix}Host is required for an Email channel (the SMTP server).");
        }

        if (settings.Port is < 0 or > 65535)
        {
            fail(nameof(settings.Port), $"{prefix}Port must be between 1 and 65535 (0 for the default of its Security).");
        }

        if (!Enum.IsDefined(settings.Security))
        {
            fail(nameof(settings.Security), $"{prefix}Security must be None, StartTls or SslOnConnect.");
        }

        if (string.IsNullOrWhiteSpace(settings.From))
        {
            fail(nameof(settings.From), $"{prefix}From is required for an Email channel (the sender's address).");
        }
        else if (!MailboxAddress.TryParse(settings.From, out var from) || !from.Address.Contains('@', StringComparison.Ordinal))
        {
            fail(nameof(settings.From), $"{prefix}From is not an e-mail address.");
        }

        if (string.IsNullOrWhiteSpace(settings.To))
        {
            fail(nameof(settings.To), $"{prefix}To is required for an Email channel (recipients separated by commas).");
        }
        else if (Recipients(settings.To) is null)
        {
            fail(nameof(settings.To), $"{prefix}To must be e-mail addresses separated by commas.");
        }

        if (string.IsNullOrEmpty(settings.UserName) != string.IsNullOrEmpty(settings.Password))
        {
            fail(nameof(settings.Password), $"{prefix}UserName and {prefix}Password go together: set both or neither.");
        }

        if (settings.CertificateFingerprint is { Length: > 0 } fingerprint
            && (EmailSender.NormaliseFingerprint(fingerprint) is var hex && (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))))
        {
            fail(nameof(settings.CertificateFingerprint), $"{prefix}CertificateFingerprint must be the certificate's SHA-256 fingerprint (64 hex digits).");
        }
    }

    /// <summary>The recipients of <c>To</c>, or null when any of them is not an address.</summary>
    public static IReadOnlyList<MailboxAddress>? Recipients(string to)
    {
        var recipients = new List<MailboxAddress>();
        foreach (var part in to.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!MailboxAddress.TryParse(part, out var address) || !address.Address.Contains('@', StringComparison.Ordinal))
            {
                return null;
            }

            recipients.Add(address);
        }

        return recipients.Count > 0 ? recipients : null;
    }
}
