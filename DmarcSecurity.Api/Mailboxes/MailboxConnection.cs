using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using DmarcSecurity.Api.Notifications;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>Why a mailbox could not be used, in words an Admin can act on, with the step that failed.</summary>
public sealed class MailboxFailure(string stage, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Connect, TLS, Sign-in or Folder.</summary>
    public string Stage { get; } = stage;

    /// <summary>SHA-256 of the certificate the server showed, as hex, when it showed one.</summary>
    public string? ServerCertificateFingerprint { get; internal set; }
}

/// <summary>Opens the IMAP connection of a mailbox and signs in: TLS as its <see cref="MailboxOptions.Security"/> asks,
/// the server's certificate checked against the system's trusted authorities, or against the one pinned certificate.
/// Failures come out as <see cref="MailboxFailure"/>, saying what failed.</summary>
internal static class MailboxConnection
{
    /// <summary>The fingerprint's 32 bytes, or null when it is not 64 hex digits (separators and case ignored).</summary>
    public static byte[]? Fingerprint(string text)
    {
        var hex = EmailSender.NormaliseFingerprint(text);
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? Convert.FromHexString(hex) : null;
    }

    /// <summary>The SHA-256 fingerprint the server presented at the last TLS handshake of <paramref name="client"/>, as hex.</summary>
    public sealed class Handshake
    {
        public string? Presented { get; set; }

        public SslPolicyErrors Errors { get; set; }
    }

    public static async Task<(ImapClient Client, Handshake Handshake)> ConnectAsync(MailboxOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = new ImapClient { Timeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds) };
        var handshake = new Handshake();
        var pinned = options.CertificateFingerprint is { Length: > 0 } text ? Fingerprint(text) : null;
        client.ServerCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            handshake.Errors = errors;
            if (certificate is null)
            {
                return false;
            }

            var hash = SHA256.HashData(certificate.GetRawCertData());
            handshake.Presented = Convert.ToHexString(hash);
            // A pinned certificate is trusted whoever signed it and whatever name it carries: it is that certificate.
            return pinned is not null ? CryptographicOperations.FixedTimeEquals(pinned, hash) : errors == SslPolicyErrors.None;
        };
        var security = options.Security switch
        {
            MailboxSecurity.None => SecureSocketOptions.None,
            MailboxSecurity.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.SslOnConnect,
        };
        var server = $"{options.Host}:{options.EffectivePort}";
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            try
            {
                await client.ConnectAsync(options.Host, options.EffectivePort, security, attempt.Token);
            }
            catch (SslHandshakeException e)
            {
                throw new MailboxFailure("TLS", TlsFailure(options, server, handshake, pinned is not null, e), e);
            }
            catch (NotSupportedException e) when (options.Security == MailboxSecurity.StartTls)
            {
                throw new MailboxFailure("TLS", $"The server {server} does not offer STARTTLS, so the password is not sent: use SslOnConnect on the " +
                    "server's TLS port, or None only for a server on this host.", e);
            }
            catch (SocketException e)
            {
                throw new MailboxFailure("Connect", $"Could not connect to {server}: {e.Message}.", e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MailboxFailure("Connect", $"No answer from {server} within {timeout.TotalSeconds:0} s.", e);
            }
            catch (Exception e) when (e is IOException or ImapProtocolException)
            {
                throw new MailboxFailure("Connect", $"The connection to {server} failed ({e.GetType().Name}): {e.Message}", e);
            }

            try
            {
                await client.AuthenticateAsync(options.UserName, options.Password, attempt.Token);
            }
            catch (AuthenticationException e)
            {
                throw new MailboxFailure("Sign-in", $"The server {server} refused the sign-in of {options.UserName} (AuthenticationException): check UserName and Password.", e);
            }
            catch (NotSupportedException e)
            {
                throw new MailboxFailure("Sign-in", $"The server {server} offers no sign-in this client can use over this connection: {e.Message}", e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MailboxFailure("Sign-in", $"No answer from {server} to the sign-in within {timeout.TotalSeconds:0} s.", e);
            }

            return (client, handshake);
        }
        catch (MailboxFailure failure)
        {
            failure.ServerCertificateFingerprint = handshake.Presented;
            client.Dispose();
            throw;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>What to say of an error of a mailbox reader: a <see cref="MailboxFailure"/>'s words, else the exception's
    /// type and message (exceptions from the mail stack never carry the password).</summary>
    public static string Describe(Exception e, MailboxOptions options) => e switch
    {
        MailboxFailure failure => failure.Message,
        FolderNotFoundException missing => $"The folder \"{missing.FolderName}\" does not exist on {options.Host}:{options.EffectivePort}.",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private static string TlsFailure(MailboxOptions options, string server, Handshake handshake, bool pinned, SslHandshakeException e)
    {
        if (handshake.Presented is null)
        {
            return $"TLS with {server} failed before the server showed a certificate (does it speak {(options.Security == MailboxSecurity.StartTls ? "STARTTLS" : "TLS")} on that port?): {e.Message}";
        }

        if (pinned)
        {
            return $"TLS with {server} refused: the server's certificate (SHA-256 {handshake.Presented}) is not the pinned one (CertificateFingerprint).";
        }

        var why = new List<string>();
        if (handshake.Errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            why.Add("no authority this machine trusts signed it");
        }

        if (handshake.Errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            why.Add($"it is not issued for {options.Host}");
        }

        return $"TLS with {server} refused: the server's certificate is not trusted ({(why.Count > 0 ? string.Join(", and ", why) : handshake.Errors.ToString())}). " +
               $"Its SHA-256 fingerprint is {handshake.Presented}: install its authority, or, once you have checked it is the server's, set CertificateFingerprint to trust that certificate only.";
    }
}
