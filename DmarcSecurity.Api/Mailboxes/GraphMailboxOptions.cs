using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>
/// One Microsoft 365 (Exchange Online) mailbox read through Microsoft Graph (section
/// <c>Ingestion:GraphMailboxes:&lt;name&gt;</c>), signed in as an Entra ID application with client credentials: a
/// client secret, or a certificate.
/// </summary>
public sealed class GraphMailboxOptions
{
    /// <summary>The Entra ID tenant: its id (a GUID) or one of its domains (<c>contoso.onmicrosoft.com</c>).</summary>
    public string TenantId { get; set; } = "";

    /// <summary>The application (client) id of the app registration.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Never logged, never shown. Set this or <see cref="CertificatePath"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A certificate with its private key, as a PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) or a PEM file holding
    /// the certificate and its key; its public part is uploaded to the app registration.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PKCS#12 file's password, if any. Never logged, never shown.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The mailbox: its user principal name (<c>dmarc@contoso.com</c>) or its object id.</summary>
    public string UserId { get; set; } = "";

    /// <summary>Where reports arrive: a well-known folder name (<c>Inbox</c>) or a path of display names
    /// (<c>Inbox/DMARC</c>).</summary>
    public string Folder { get; set; } = "Inbox";

    /// <summary>Where a message goes once every report in it is stored (or was already); created when missing.</summary>
    public string ArchiveFolder { get; set; } = "Archive";

    /// <summary>Where a message with no report, or with content that was refused, goes; created when missing.</summary>
    public string InvalidFolder { get; set; } = "Invalid";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Graph's root; another for a national cloud (<c>https://graph.microsoft.us</c>,
    /// <c>https://microsoftgraph.chinacloudapi.cn</c>).</summary>
    public string GraphEndpoint { get; set; } = "https://graph.microsoft.com";

    /// <summary>The Microsoft identity platform's root; another for a national cloud
    /// (<c>https://login.microsoftonline.us</c>, <c>https://login.chinacloudapi.cn</c>).</summary>
    public string AuthorityHost { get; set; } = "https://login.microsoftonline.com";

    /// <summary>How the reader signs in, for the logs and the status: never the secret itself.</summary>
    public string Credential => string.IsNullOrEmpty(CertificatePath) ? "client secret" : $"certificate {Path.GetFileName(CertificatePath)}";

    /// <summary>Without the secret or the certificate's password, so an accidental log line cannot leak them.</summary>
    public override string ToString() => $"{UserId} at {GraphEndpoint} (tenant {TenantId}, client {ClientId}, {Credential})/{Folder}";

    /// <summary>Loads the certificate with its private key; throws <see cref="CryptographicException"/> when it cannot.</summary>
    public X509Certificate2 LoadCertificate()
    {
        var path = CertificatePath ?? throw new InvalidOperationException("No certificate is configured.");
        var certificate = path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase)
            ? string.IsNullOrEmpty(CertificatePassword)
                ? X509Certificate2.CreateFromPemFile(path)
                : X509Certificate2.CreateFromEncryptedPemFile(path, CertificatePassword)
            : X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new CryptographicException("the file holds no private key for the certificate.");
        }

        return certificate;
    }
}

/// <summary>Checks every configured Microsoft 365 mailbox at start; a message names the setting at fault.</summary>
internal sealed class GraphMailboxOptionsValidator : IValidateOptions<Ingestion.IngestionOptions>
{
    public ValidateOptionsResult Validate(string? name, Ingestion.IngestionOptions options)
    {
        var failures = new List<string>();
        foreach (var (mailbox, settings) in options.GraphMailboxes)
        {
            var prefix = $"Ingestion:GraphMailboxes:{mailbox}";
            if (options.Mailboxes.ContainsKey(mailbox))
            {
                failures.Add($"{prefix}: the name \"{mailbox}\" is also an IMAP mailbox's (Ingestion:Mailboxes:{mailbox}); mailboxes are listed by name, so each needs its own.");
            }

            if (string.IsNullOrWhiteSpace(settings.TenantId))
            {
                failures.Add($"{prefix}:TenantId is required (the directory's id, or one of its domains).");
            }
            else if (!settings.TenantId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            {
                failures.Add($"{prefix}:TenantId must be a GUID or a domain name.");
            }

            if (string.IsNullOrWhiteSpace(settings.ClientId))
            {
                failures.Add($"{prefix}:ClientId is required (the app registration's application id).");
            }
            else if (!Guid.TryParse(settings.ClientId, out _))
            {
                failures.Add($"{prefix}:ClientId must be the application's id, a GUID.");
            }

            var secret = !string.IsNullOrEmpty(settings.ClientSecret);
            var certificate = !string.IsNullOrWhiteSpace(settings.CertificatePath);
            if (secret == certificate)
            {
                failures.Add($"{prefix}: set either {prefix}:ClientSecret or {prefix}:CertificatePath, not {(secret ? "both" : "neither")}.");
            }
            else if (certificate && !File.Exists(settings.CertificatePath))
            {
                failures.Add($"{prefix}:CertificatePath: no file {settings.CertificatePath}.");
            }
            else if (certificate)
            {
                try
                {
                    using var loaded = settings.LoadCertificate();
                }
                catch (CryptographicException e)
                {
                    // The loader's message names neither the password nor the key.
                    failures.Add($"{prefix}:CertificatePath: {settings.CertificatePath} could not be read as a certificate with its private key " +
                                 $"(check {prefix}:CertificatePassword): {e.Message}");
                }
            }

            if (string.IsNullOrWhiteSpace(settings.UserId))
            {
                failures.Add($"{prefix}:UserId is required (the mailbox's user principal name or object id).");
            }
            else if (settings.UserId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '/' or '\\' or '?' or '#' or '%'))
            {
                failures.Add($"{prefix}:UserId must be a user principal name (dmarc@contoso.com) or an object id.");
            }

            foreach (var (setting, folder) in new[] { ("Folder", settings.Folder), ("ArchiveFolder", settings.ArchiveFolder), ("InvalidFolder", settings.InvalidFolder) })
            {
                if (string.IsNullOrWhiteSpace(folder) || folder.Split('/').Any(string.IsNullOrWhiteSpace))
                {
                    failures.Add($"{prefix}:{setting} is required: a folder name, or a path of names separated by '/'.");
                }
            }

            if (string.Equals(Normal(settings.Folder), Normal(settings.ArchiveFolder), StringComparison.OrdinalIgnoreCase)
                || string.Equals(Normal(settings.Folder), Normal(settings.InvalidFolder), StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{prefix}:ArchiveFolder and {prefix}:InvalidFolder must differ from {prefix}:Folder.");
            }

            if (settings.PollInterval < TimeSpan.FromSeconds(1) || settings.PollInterval > TimeSpan.FromDays(1))
            {
                failures.Add($"{prefix}:PollInterval must be between 00:00:01 and 1.00:00:00.");
            }

            foreach (var (setting, value) in new[] { ("GraphEndpoint", settings.GraphEndpoint), ("AuthorityHost", settings.AuthorityHost) })
            {
                if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.AbsolutePath != "/"
                    || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
                {
                    failures.Add($"{prefix}:{setting} must be an https:// address with no path (such as https://graph.microsoft.com or https://login.microsoftonline.com).");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Normal(string? folder) => string.Join('/', (folder ?? "").Split('/').Select(s => s.Trim()));
}
