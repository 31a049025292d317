using System.Security.Claims;
using System.Security.Cryptography;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Mailboxes;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>A mailbox to add, or the changes to a stored one. On create a field left out takes its default (<c>name</c>,
/// <c>host</c>, <c>userName</c> and <c>password</c> are required); on change a field left out or null keeps its value,
/// and so does an empty <c>password</c> (it is never shown, so a form cannot send it back); <c>certificateFingerprint</c>
/// <c>""</c> clears it. <c>security</c> None, StartTls or SslOnConnect; <c>port</c> 0 for the default of the security;
/// <c>pollInterval</c> as <c>hh:mm:ss</c>.</summary>
public sealed record MailboxRequest(
    string? Name = null, string? Host = null, int? Port = null, string? Security = null, string? UserName = null, string? Password = null,
    string? Folder = null, string? ArchiveFolder = null, string? InvalidFolder = null, TimeSpan? PollInterval = null, bool? UseIdle = null,
    string? CertificateFingerprint = null)
{
    private const int MaxFieldLength = 500;

    internal void ApplyTo(MailboxOptions mailbox, Dictionary<string, List<string>> errors)
    {
        if (Security is not null)
        {
            if (NamedValue.Canonical(Security, NamedValue.Of<MailboxSecurity>()) is { } security)
            {
                mailbox.Security = Enum.Parse<MailboxSecurity>(security);
            }
            else
            {
                FieldErrors.Add(errors, "security", NamedValue.Message("security", NamedValue.Of<MailboxSecurity>()));
            }
        }

        if (Port is { } port)
        {
            mailbox.Port = port;
        }

        if (PollInterval is { } interval)
        {
            mailbox.PollInterval = interval;
        }

        if (UseIdle is { } idle)
        {
            mailbox.UseIdle = idle;
        }

        mailbox.Host = FieldErrors.Text(Host, "host", mailbox.Host, MaxFieldLength, errors) ?? "";
        mailbox.UserName = FieldErrors.Text(UserName, "userName", mailbox.UserName, MaxFieldLength, errors) ?? "";
        mailbox.Folder = FieldErrors.Text(Folder, "folder", mailbox.Folder, MaxFieldLength, errors) ?? "";
        mailbox.ArchiveFolder = FieldErrors.Text(ArchiveFolder, "archiveFolder", mailbox.ArchiveFolder, MaxFieldLength, errors) ?? "";
        mailbox.InvalidFolder = FieldErrors.Text(InvalidFolder, "invalidFolder", mailbox.InvalidFolder, MaxFieldLength, errors) ?? "";
        mailbox.CertificateFingerprint = FieldErrors.Text(CertificateFingerprint, "certificateFingerprint", mailbox.CertificateFingerprint, MaxFieldLength, errors);
        if (!string.IsNullOrEmpty(Password))
        {
            if (Password.Length > MaxFieldLength || Password.Any(char.IsControl))
            {
                FieldErrors.Add(errors, "password", $"password must be one line of at most {MaxFieldLength} characters.");
            }

            mailbox.Password = Password;
        }

        MailboxOptionsValidator.Check(mailbox, "", (field, message) => FieldErrors.Add(errors, FieldErrors.JsonName(field), message));
    }

    /// <summary>null keeps <paramref name="current"/>; blank clears it; otherwise the trimmed value, if it is one line of reasonable length.</summary>

}

/// <summary>What a test of a mailbox found: whether it connected, signed in and opened its folder, the step that failed
/// (Connect, TLS, Sign-in, Folder or Password) and why, in words; the SHA-256 fingerprint of the certificate the server
/// showed, when it showed one.</summary>
public sealed record MailboxTestResult(bool Succeeded, string? FailedStep, string Message, string? ServerCertificateFingerprint);

public static partial class MailboxesApi
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(20);

    public static IEndpointRouteBuilder MapMailboxesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/mailboxes").WithTags("Mailboxes").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListMailboxes).WithName(nameof(ListMailboxes))
            .WithSummary("Every mailbox, configured or stored, with its settings (never the password) and live status: last and next poll, messages seen, archived and invalid, errors.");
        group.MapGet("/{name}", GetMailbox).WithName(nameof(GetMailbox)).WithSummary("One mailbox's settings and live status.");
        group.MapPost("/", CreateMailbox).WithName(nameof(CreateMailbox))
            .WithSummary("Adds an IMAP mailbox; its reader starts at once. The password is stored encrypted and never shown.");
        group.MapPut("/{name}", UpdateMailbox).WithName(nameof(UpdateMailbox))
            .WithSummary("Changes a stored mailbox; its reader starts again with the new settings. An empty password keeps the stored one.");
        group.MapDelete("/{name}", DeleteMailbox).WithName(nameof(DeleteMailbox)).WithSummary("Removes a stored mailbox; its reader stops.");
        group.MapPost("/{name}/test", TestMailbox).WithName(nameof(TestMailbox))
            .WithSummary("Connects to the mailbox's server, signs in and opens its folder, and says what failed, if anything.");
        return endpoints;
    }

    /// <summary>A stored mailbox's name appears in URLs, job names and the ingestion history: letters, digits, '.', '-' and '_'.</summary>
    internal static bool IsMailboxName(string name) =>
        name.Length is > 0 and <= TextField.MaxNameLength && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    public static Ok<IReadOnlyList<MailboxStatus>> ListMailboxes(MailboxStatusBoard board, CancellationToken cancellationToken) =>
        TypedResults.Ok(board.All());

    public static Results<Ok<MailboxStatus>, NotFound> GetMailbox(string name, MailboxStatusBoard board, CancellationToken cancellationToken) =>
        board.Find(name) is { } status ? TypedResults.Ok(status) : TypedResults.NotFound();

    public static async Task<Results<Created<MailboxStatus>, ValidationProblem, ProblemHttpResult>> CreateMailbox(
        MailboxRequest request, ClaimsPrincipal user, MailboxSupervisor supervisor, MailboxSecrets secrets, MailboxStatusBoard board,
        IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var name = request.Name?.Trim() ?? "";
        if (!IsMailboxName(name))
        {
            FieldErrors.Add(errors, "name", $"name is required: 1-{TextField.MaxNameLength} letters, digits, '.', '-' and '_', starting with a letter or digit.");
        }

        var mailbox = new MailboxOptions();
        request.ApplyTo(mailbox, errors);
        if (errors.Count > 0)
        {
            return Problem(errors);
        }

        if (supervisor.ConfiguredName(name) is { } configured)
        {
            return Conflict($"'{configured}' is a mailbox declared in configuration (Ingestion__Mailboxes__{configured}__*); choose another name.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var lower = name.ToLowerInvariant();
        if (await db.Mailboxes.AnyAsync(m => m.Name.ToLower() == lower, cancellationToken))
        {
            return Conflict($"A mailbox named '{name}' exists already.");
        }

        var now = clock.StoredNow();
        var actor = Actor.Of(user);
        var row = new MailboxEntity
        {
            Name = name, Host = "", Security = "", UserName = "", PasswordProtected = "", Folder = "", ArchiveFolder = "", InvalidFolder = "",
            CreatedAt = now, CreatedBy = actor, UpdatedAt = now, UpdatedBy = actor,
        };
        Store(row, mailbox, secrets);
        db.Mailboxes.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another Admin took the name a moment ago (the index is unique whatever the case).
            return Conflict($"A mailbox named '{name}' exists already.");
        }

        await supervisor.ReconcileAsync(cancellationToken);
        return TypedResults.Created($"/api/mailboxes/{Uri.EscapeDataString(name)}", board.Find(name) ?? Pending(row, mailbox));
    }

    public static async Task<Results<Ok<MailboxStatus>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateMailbox(
        string name, MailboxRequest request, ClaimsPrincipal user, MailboxSupervisor supervisor, MailboxSecrets secrets, MailboxStatusBoard board,
        IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (supervisor.ConfiguredName(name) is { } configured)
        {
            return ConfiguredConflict(configured);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Mailboxes.AsTracking().FirstOrDefaultAsync(m => m.Name == name, cancellationToken);
        if (row is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (request.Name is { } renamed && renamed.Trim() != row.Name)
        {
            FieldErrors.Add(errors, "name", "A mailbox cannot be renamed: add one under the new name, then remove this one.");
        }

        string password;
        try
        {
            password = secrets.Unprotect(row.Name, row.PasswordProtected);
        }
        catch (CryptographicException)
        {
            // The keys that protected it are gone: the change must give the password again.
            password = "";
        }

        var mailbox = MailboxSupervisor.Options(row, password);
        request.ApplyTo(mailbox, errors);
        if (errors.Count > 0)
        {
            return Problem(errors);
        }

        Store(row, mailbox, secrets);
        row.UpdatedAt = clock.StoredNow();
        row.UpdatedBy = Actor.Of(user);
        await db.SaveChangesAsync(cancellationToken);
        await supervisor.ReconcileAsync(cancellationToken);
        return TypedResults.Ok(board.Find(name) ?? Pending(row, mailbox));
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteMailbox(
        string name, MailboxSupervisor supervisor, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        if (supervisor.ConfiguredName(name) is { } configured)
        {
            return ConfiguredConflict(configured);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var deleted = await db.Mailboxes.Where(m => m.Name == name).ExecuteDeleteAsync(cancellationToken);
        await supervisor.ReconcileAsync(cancellationToken);
        return deleted > 0 ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<MailboxTestResult>, NotFound>> TestMailbox(
        string name, MailboxSupervisor supervisor, MailboxSecrets secrets, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        var mailbox = supervisor.Configured(name);
        if (mailbox is null)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var row = await db.Mailboxes.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, cancellationToken);
            if (row is null)
            {
                return TypedResults.NotFound();
            }

            try
            {
                mailbox = MailboxSupervisor.Options(row, secrets.Unprotect(row.Name, row.PasswordProtected));
            }
            catch (CryptographicException)
            {
                return TypedResults.Ok(new MailboxTestResult(false, "Password",
                    "The stored password cannot be unprotected with this Api's Data Protection keys; enter it again.", null));
            }
        }

        return TypedResults.Ok(await TestAsync(mailbox, cancellationToken));
    }

    /// <summary>Connects, signs in and opens the folder read-only, as the reader would, and closes again.</summary>
    internal static async Task<MailboxTestResult> TestAsync(MailboxOptions mailbox, CancellationToken cancellationToken)
    {
        ImapClient? client = null;
        MailboxConnection.Handshake? handshake = null;
        try
        {
            (client, handshake) = await MailboxConnection.ConnectAsync(mailbox, s_testTimeout, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_testTimeout);
            IMailFolder folder;
            try
            {
                folder = await client.GetFolderAsync(mailbox.Folder, timeout.Token);
                await folder.OpenAsync(FolderAccess.ReadOnly, timeout.Token);
            }
            catch (FolderNotFoundException e)
            {
                throw new MailboxFailure("Folder", $"Signed in, but the folder \"{mailbox.Folder}\" does not exist on {mailbox.Host}:{mailbox.EffectivePort}.", e);
            }

            var tls = client.IsSecure ? $"over TLS ({client.SslProtocol})" : "without TLS";
            var message = $"Connected to {mailbox.Host}:{mailbox.EffectivePort} {tls}, signed in as {mailbox.UserName} and opened {mailbox.Folder}: " +
                          $"{folder.Count} message(s) waiting.";
            await folder.CloseAsync(false, CancellationToken.None);
            await client.DisconnectAsync(true, CancellationToken.None);
            return new MailboxTestResult(true, null, message, handshake.Presented);
        }
        catch (MailboxFailure e)
        {
            return new MailboxTestResult(false, e.Stage, e.Message, handshake?.Presented ?? e.ServerCertificateFingerprint);
        }
        catch (Exception e) when (e is IOException or ImapProtocolException or ImapCommandException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new MailboxTestResult(false, "Folder", $"Signed in, but the server failed while opening \"{mailbox.Folder}\" ({e.GetType().Name}): {e.Message}", handshake?.Presented);
        }
        finally
        {
            client?.Dispose();
        }
    }

    private static void Store(MailboxEntity row, MailboxOptions mailbox, MailboxSecrets secrets)
    {
        row.Host = mailbox.Host;
        row.Port = mailbox.Port;
        row.Security = mailbox.Security.ToString();
        row.UserName = mailbox.UserName;
        row.PasswordProtected = secrets.Protect(row.Name, mailbox.Password);
        row.Folder = mailbox.Folder;
        row.ArchiveFolder = mailbox.ArchiveFolder;
        row.InvalidFolder = mailbox.InvalidFolder;
        row.PollIntervalMs = (long)mailbox.PollInterval.TotalMilliseconds;
        row.UseIdle = mailbox.UseIdle;
        row.CertificateFingerprint = mailbox.CertificateFingerprint;
    }

    /// <summary>A stored mailbox as the answer shows it when its reader is not registered in this process (stopping).</summary>
    private static MailboxStatus Pending(MailboxEntity row, MailboxOptions mailbox) =>
        new(row.Name, $"{mailbox.Host}:{mailbox.EffectivePort}", mailbox.Folder, "Starting", false, null, null, 0, 0, 0, 0, null, null,
            MailboxSources.Stored, MailboxSettingsView.Of(mailbox) with { CreatedAt = row.CreatedAt, CreatedBy = row.CreatedBy, UpdatedAt = row.UpdatedAt, UpdatedBy = row.UpdatedBy });

    private static ValidationProblem Problem(Dictionary<string, List<string>> errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Mailbox name taken");

    private static ProblemHttpResult ConfiguredConflict(string name) => TypedResults.Problem(
        $"'{name}' is declared in configuration: change or remove the settings Ingestion__Mailboxes__{name}__* where the Api is deployed.",
        statusCode: StatusCodes.Status409Conflict, title: "Configured mailbox");
}
