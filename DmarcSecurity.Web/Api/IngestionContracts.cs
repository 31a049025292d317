namespace DmarcSecurity.Web.Api;

/// <summary>One arrival in the ingestion history (<c>GET /api/ingestion/history</c>).</summary>
public sealed record IngestionHistoryDto(
    long Id,
    DateTimeOffset ReceivedAt,
    string Source,
    string? FileName,
    long Size,
    string Sha256,
    string Outcome,
    string? Reason,
    string? Error,
    IReadOnlyList<long> ReportIds,
    IReadOnlyList<long> DuplicateOfReportIds,
    int Records,
    IReadOnlyList<long> TlsReportIds,
    IReadOnlyList<long> DuplicateOfTlsReportIds,
    IReadOnlyList<long> FailureReportIds,
    IReadOnlyList<long> DuplicateOfFailureReportIds,
    IReadOnlyList<long> ConflictIds);

/// <summary>A mailbox with its live status (<c>GET /api/mailboxes</c>, Admin); <see cref="Source"/> Configuration
/// (read-only) or Stored (added by an Admin); <see cref="Settings"/> null for mailboxes other than IMAP.</summary>
public sealed record MailboxStatusDto(
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
    string Source = "Configuration",
    MailboxSettingsDto? Settings = null)
{
    public bool IsConfigured => Source == "Configuration";
}

/// <summary>An IMAP mailbox's settings as the Api shows them: never the password, only whether one is set.</summary>
public sealed record MailboxSettingsDto(
    string Host, int Port, int EffectivePort, string Security, string UserName, bool HasPassword, string Folder, string ArchiveFolder,
    string InvalidFolder, TimeSpan PollInterval, bool UseIdle, string? CertificateFingerprint,
    DateTimeOffset? CreatedAt, string? CreatedBy, DateTimeOffset? UpdatedAt, string? UpdatedBy);

/// <summary>A mailbox to add, or the changes to a stored one (<c>POST /api/mailboxes</c>, <c>PUT /api/mailboxes/{name}</c>):
/// null keeps a value; an empty password keeps the stored one.</summary>
public sealed record MailboxRequest(
    string? Name, string? Host, int? Port, string? Security, string? UserName, string? Password, string? Folder, string? ArchiveFolder,
    string? InvalidFolder, TimeSpan? PollInterval, bool? UseIdle, string? CertificateFingerprint);

/// <summary>What a test of a mailbox found (<c>POST /api/mailboxes/{name}/test</c>).</summary>
public sealed record MailboxTestResultDto(bool Succeeded, string? FailedStep, string Message, string? ServerCertificateFingerprint);
