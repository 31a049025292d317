namespace DmarcSecurity.Api.Mailboxes;

/// <summary>What a mailbox reader is doing and has done since the Api started.</summary>
/// <param name="State">Starting, Connecting, Polling, Waiting (between polls, IDLE or timer) or Retrying (after an error).</param>
/// <param name="MessagesSeen">Messages read from the folder, whatever became of them.</param>
/// <param name="MessagesArchived">Moved to the archive folder: every report stored, or already stored.</param>
/// <param name="MessagesInvalid">Moved to the invalid folder: no report, or refused content.</param>
/// <param name="Errors">Failed connections, polls and messages left in the folder for the next poll.</param>
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
    DateTimeOffset? LastErrorAt);

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
            _statuses[name] = change(_statuses[name]);
        }
    }

    internal void Register(string name, MailboxOptions options)
    {
        lock (_lock)
        {
            _statuses[name] = new MailboxStatus(name, $"{options.Host}:{options.EffectivePort}", options.Folder, "Starting", false, null, null, 0, 0, 0, 0, null, null);
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
