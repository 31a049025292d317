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

/// <summary>A mailbox reader's live status (<c>GET /api/mailboxes</c>, Admin).</summary>
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
    DateTimeOffset? LastErrorAt);
