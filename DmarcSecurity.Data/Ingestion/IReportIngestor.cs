using DmarcSecurity.Core.Ingestion;

namespace DmarcSecurity.Data.Ingestion;

/// <summary>A file as received, before its content is looked at.</summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
/// <param name="Source">Where it came from: "upload", "imap:...", "folder:...".</param>
public sealed record IncomingFile(string Sha256, string Source, string? FileName, long Size, DateTimeOffset ReceivedAt);

public enum FileOutcome
{
    Stored,
    Duplicate,
    Rejected,
}

/// <summary>What became of one file.</summary>
/// <param name="FileId">The ingested_files row written for this file (for a byte-identical duplicate: the earlier file's id).</param>
/// <param name="StoredReportIds">Reports newly stored from this file.</param>
/// <param name="DuplicateOfReportIds">Already-stored reports this file repeated (same bytes, or same reporter org + report id + policy domain + date range).</param>
/// <param name="RecordCount">Records newly stored.</param>
public sealed record FileIngestResult(
    FileOutcome Outcome,
    long? FileId,
    IReadOnlyList<long> StoredReportIds,
    IReadOnlyList<long> DuplicateOfReportIds,
    int RecordCount,
    RejectionReason? Reason = null,
    string? Error = null)
{
    /// <summary>SMTP TLS reports newly stored from this file.</summary>
    public IReadOnlyList<long> StoredTlsReportIds { get; init; } = [];

    /// <summary>Already-stored SMTP TLS reports this file repeated (same organisation + report id).</summary>
    public IReadOnlyList<long> DuplicateOfTlsReportIds { get; init; } = [];

    /// <summary>DMARC failure reports newly stored from this file.</summary>
    public IReadOnlyList<long> StoredFailureReportIds { get; init; } = [];

    /// <summary>Already-stored failure reports this file repeated (same reporter, original Message-ID, arrival date and source IP).</summary>
    public IReadOnlyList<long> DuplicateOfFailureReportIds { get; init; } = [];

    /// <summary>Conflicting copies kept from this file: reports whose identity matched a stored report and whose
    /// content did not (report_conflicts ids). Their stored reports are in <see cref="DuplicateOfReportIds"/>; a file
    /// that stored nothing new but kept a copy is a <see cref="FileOutcome.Duplicate"/> with these ids.</summary>
    public IReadOnlyList<long> ConflictIds { get; init; } = [];
}

/// <summary>Stores parsed files: one transaction per file, dedup by bytes and by report identity, records in bulk.</summary>
public interface IReportIngestor
{
    /// <summary>When a file with these exact bytes is already stored, its outcome as a duplicate; otherwise null.</summary>
    Task<FileIngestResult?> FindDuplicateFileAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Stores the file and its reports atomically. Reports already stored are answered as duplicates and not stored again;
    /// when every report is a duplicate the outcome is <see cref="FileOutcome.Duplicate"/>.</summary>
    Task<FileIngestResult> StoreAsync(IncomingFile file, IReadOnlyList<ExtractedReport> reports, CancellationToken cancellationToken) =>
        StoreAsync(file, new ExtractedContent(reports, []), cancellationToken);

    /// <summary>Stores the file with its aggregate, SMTP TLS and failure reports atomically; a report of any kind already
    /// stored is answered as a duplicate. When every report is a duplicate the outcome is <see cref="FileOutcome.Duplicate"/>.</summary>
    Task<FileIngestResult> StoreAsync(IncomingFile file, ExtractedContent content, CancellationToken cancellationToken);

    /// <summary>Records that a file was refused, with the reason, and returns the rejected outcome.</summary>
    Task<FileIngestResult> RecordRejectionAsync(IncomingFile file, RejectionReason reason, string error, CancellationToken cancellationToken);
}
