using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>How the connection to an IMAP server is protected.</summary>
public enum MailboxSecurity
{
    /// <summary>Plain text: the password crosses the network readable. Only for a server on the same host.</summary>
    None,

    /// <summary>Plain connection upgraded with STARTTLS before signing in (port 143 by default); refused when the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 993 by default).</summary>
    SslOnConnect,
}

/// <summary>One IMAP mailbox reports are mailed to (section <c>Ingestion:Mailboxes:&lt;name&gt;</c>).</summary>
public sealed class MailboxOptions
{
    public string Host { get; set; } = "";

    /// <summary>0: 993 for <see cref="MailboxSecurity.SslOnConnect"/>, 143 otherwise.</summary>
    public int Port { get; set; }

    public MailboxSecurity Security { get; set; } = MailboxSecurity.SslOnConnect;

    public string UserName { get; set; } = "";

    /// <summary>Never logged, never shown.</summary>
    public string Password { get; set; } = "";

    /// <summary>Where reports arrive.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>Where a message goes once every report in it is stored (or was already); created when missing.</summary>
    public string ArchiveFolder { get; set; } = "Archive";

    /// <summary>Where a message with no report, or with content that was refused, goes; created when missing.</summary>
    public string InvalidFolder { get; set; } = "Invalid";

    /// <summary>Time between polls; with IDLE the server may wake the reader sooner.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait with IMAP IDLE between polls where the server offers it, so new mail is read at once.</summary>
    public bool UseIdle { get; set; } = true;

    /// <summary>SHA-256 fingerprint of the server's certificate (64 hex digits, <c>AB:CD:...</c> as openssl prints it
    /// will do): that one certificate is trusted, and no other. Unset, the certificate must be valid for the host by
    /// the system's trusted authorities.</summary>
    public string? CertificateFingerprint { get; set; }

    public int EffectivePort => Port != 0 ? Port : Security == MailboxSecurity.SslOnConnect ? 993 : 143;

    /// <summary>Without the password, so an accidental log line cannot leak it.</summary>
    public override string ToString() => $"{UserName}@{Host}:{EffectivePort}/{Folder}";
}

/// <summary>Checks every configured mailbox at start; a message names the setting at fault.</summary>
internal sealed class MailboxOptionsValidator : IValidateOptions<Ingestion.IngestionOptions>
{
    public ValidateOptionsResult Validate(string? name, Ingestion.IngestionOptions options)
    {
        var failures = new List<string>();
        foreach (var (mailbox, settings) in options.Mailboxes)
        {
            Check(settings, $"Ingestion:Mailboxes:{mailbox}:", (_, message) => failures.Add(message));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Reports each bad setting of one mailbox to <paramref name="fail"/> (the setting's name, and a message
    /// that starts with <paramref name="prefix"/>: where the mailbox is declared, or nothing for the API).</summary>
    public static void Check(MailboxOptions settings, string prefix, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            fail(nameof(settings.Host), $"{prefix}Host is required.");
        }

        if (settings.Port is < 0 or > 65535)
        {
            fail(nameof(settings.Port), $"{prefix}Port must be between 1 and 65535 (0 for the default of its Security).");
        }

        if (!Enum.IsDefined(settings.Security))
        {
            fail(nameof(settings.Security), $"{prefix}Security must be None, StartTls or SslOnConnect.");
        }

        if (string.IsNullOrWhiteSpace(settings.UserName))
        {
            fail(nameof(settings.UserName), $"{prefix}UserName is required.");
        }

        if (string.IsNullOrEmpty(settings.Password))
        {
            fail(nameof(settings.Password), $"{prefix}Password is required.");
        }

        foreach (var (setting, folder) in new[] { ("Folder", settings.Folder), ("ArchiveFolder", settings.ArchiveFolder), ("InvalidFolder", settings.InvalidFolder) })
        {
            if (string.IsNullOrWhiteSpace(folder))
            {
                fail(setting, $"{prefix}{setting} is required.");
            }
        }

        if (string.Equals(settings.Folder, settings.ArchiveFolder, StringComparison.OrdinalIgnoreCase)
            || string.Equals(settings.Folder, settings.InvalidFolder, StringComparison.OrdinalIgnoreCase))
        {
            fail(nameof(settings.ArchiveFolder), $"{prefix}ArchiveFolder and {prefix}InvalidFolder must differ from {prefix}Folder.");
        }

        if (settings.PollInterval < TimeSpan.FromSeconds(1) || settings.PollInterval > TimeSpan.FromDays(1))
        {
            fail(nameof(settings.PollInterval), $"{prefix}PollInterval must be between 00:00:01 and 1.00:00:00.");
        }

        if (settings.CertificateFingerprint is { Length: > 0 } fingerprint && MailboxConnection.Fingerprint(fingerprint) is null)
        {
            fail(nameof(settings.CertificateFingerprint), $"{prefix}CertificateFingerprint must be the server certificate's SHA-256 fingerprint (64 hex digits).");
        }
    }
}
