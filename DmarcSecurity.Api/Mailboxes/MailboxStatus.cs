namespace DmarcSecurity.Api.Mailboxes;

/// <summary>Where a mailbox comes from.</summary>
public static class MailboxSources
{
    /// <summary>Declared in configuration (<c>Ingestion__Mailboxes__&lt;name&gt;__*</c>): read-only in the UI and the API.</summary>
    public const string Configuration = "Configuration";

    /// <summary>Added by an Admin in the UI or the API, kept in the database.</summary>
    public const string Stored = "Stored";
}

/// <summary>What a mailbox reader is doing and has done since the Api started (a change of settings keeps the counts).</summary>
/// <param name="State">Starting, Connecting, Polling, Waiting (between polls, IDLE or timer), Retrying (after an error) or
/// Unusable (a stored mailbox whose password cannot be unprotected: no reader runs).</param>
/// <param name="MessagesSeen">Messages read from the folder, whatever became of them.</param>
/// <param name="MessagesArchived">Moved to the archive folder: every report stored, or already stored.</param>
/// <param name="MessagesInvalid">Moved to the invalid folder: no report, or refused content.</param>
/// <param name="Errors">Failed connections, polls and messages left in the folder for the next poll.</param>
/// <param name="Source"><see cref="MailboxSources.Configuration"/> or <see cref="MailboxSources.Stored"/>.</param>
/// <param name="Settings">An IMAP mailbox's settings, the password left out; null for other kinds of mailbox.</param>
public sealed record MailboxStatus(
    string Name,
    string Server,
    string Folder,
    string State,
    bool Idle,
    DateTimeOffset? LastPollAt,
    DateTimeOffset? NextPollAt,
    long MessagesSeen,
    long MessagesArchived,
    long MessagesInvalid,
    long Errors,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    string Source = MailboxSources.Configuration,
    MailboxSettingsView? Settings = null);

/// <summary>An IMAP mailbox's settings as the API shows them: never the password, only whether one is set.</summary>
public sealed record MailboxSettingsView(
    string Host, int Port, int EffectivePort, MailboxSecurity Security, string UserName, bool HasPassword, string Folder, string ArchiveFolder,
    string InvalidFolder, TimeSpan PollInterval, bool UseIdle, string? CertificateFingerprint,
    DateTimeOffset? CreatedAt = null, string? CreatedBy = null, DateTimeOffset? UpdatedAt = null, string? UpdatedBy = null)
{
    public static MailboxSettingsView Of(MailboxOptions options) => new(
        options.Host, options.Port, options.EffectivePort, options.Security, options.UserName, !string.IsNullOrEmpty(options.Password),
        options.Folder, options.ArchiveFolder, options.InvalidFolder, options.PollInterval, options.UseIdle, options.CertificateFingerprint);
}

/// <summary>The live status of every mailbox reader, updated by the readers, read by the API.</summary>
public sealed class MailboxStatusBoard
{
    private readonly Dictionary<string, MailboxStatus> _statuses = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    public IReadOnlyList<MailboxStatus> All()
    {
        lock (_lock)
        {
            return [.. _statuses.Values.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)];
        }
    }

    public MailboxStatus? Find(string name)
    {
        lock (_lock)
        {
            return _statuses.GetValueOrDefault(name);
        }
    }

    internal void Update(string name, Func<MailboxStatus, MailboxStatus> change)
    {
        lock (_lock)
        {
            // A reader stopped because its mailbox was removed may still report once: nothing to update then.
            if (_statuses.TryGetValue(name, out var status))
            {
                _statuses[name] = change(status);
            }
        }
    }

    internal void Register(string name, MailboxOptions options) => Register(name, options, MailboxSources.Configuration, MailboxSettingsView.Of(options));

    /// <summary>Registers a mailbox, or replaces the settings of one registered: its counters and last error are kept
    /// across a change of settings, its state starts again.</summary>
    internal void Register(string name, MailboxOptions options, string source, MailboxSettingsView settings, string state = "Starting")
    {
        lock (_lock)
        {
            var server = $"{options.Host}:{options.EffectivePort}";
            _statuses[name] = _statuses.TryGetValue(name, out var known)
                ? known with { Server = server, Folder = options.Folder, State = state, Idle = false, NextPollAt = null, Source = source, Settings = settings }
                : new MailboxStatus(name, server, options.Folder, state, false, null, null, 0, 0, 0, 0, null, null, source, settings);
        }
    }

    /// <summary>Forgets a mailbox that was removed.</summary>
    internal void Remove(string name)
    {
        lock (_lock)
        {
            _statuses.Remove(name);
        }
    }

    /// <summary>A mailbox that is not an IMAP server's (Microsoft 365 through Graph): its server and folder as shown.</summary>
    internal void Register(string name, string server, string folder)
    {
        lock (_lock)
        {
            _statuses[name] = new MailboxStatus(name, server, folder, "Starting", false, null, null, 0, 0, 0, 0, null, null);
        }
    }
}
