using System.ComponentModel.DataAnnotations;
using DmarcSecurity.Core.Ingestion;

namespace DmarcSecurity.Api.Ingestion;

/// <summary>Upload and unpacking limits (section <c>Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>Largest request body of one upload, all files together (default 1 GiB); above it the upload is answered 413.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 1L << 30;

    [Range(1, 10_000)]
    public int MaxFilesPerUpload { get; set; } = 200;

    /// <summary>Bytes decompression may produce from one file (default 100 MB).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxDecompressedBytes { get; set; } = 100L * 1024 * 1024;

    [Range(2, 100_000)]
    public double MaxCompressionRatio { get; set; } = 100;

    [Range(1, 100_000)]
    public int MaxArchiveEntries { get; set; } = 50;

    [Range(0, 10)]
    public int MaxNestingDepth { get; set; } = 2;

    /// <summary>DMARC failure reports (<c>Ingestion:FailureReports:StoreBodies</c>).</summary>
    public FailureReportOptions FailureReports { get; set; } = new();

    /// <summary>Where uploads are spooled while processed; the system temp folder when empty.</summary>
    public string? TempDirectory { get; set; }

    /// <summary>IMAP mailboxes reports are mailed to, by name (<c>Ingestion:Mailboxes:&lt;name&gt;:Host</c> ...).</summary>
    public Dictionary<string, Mailboxes.MailboxOptions> Mailboxes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Microsoft 365 mailboxes read through Microsoft Graph, by name (<c>Ingestion:GraphMailboxes:&lt;name&gt;:UserId</c> ...).</summary>
    public Dictionary<string, Mailboxes.GraphMailboxOptions> GraphMailboxes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Folders (or Maildirs) reports are dropped into, by name (<c>Ingestion:Folders:&lt;name&gt;:Path</c> ...).</summary>
    public Dictionary<string, Folders.WatchedFolderOptions> Folders { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public ExtractionLimits ToLimits() => new()
    {
        MaxDecompressedBytes = MaxDecompressedBytes,
        MaxCompressionRatio = MaxCompressionRatio,
        MaxArchiveEntries = MaxArchiveEntries,
        MaxNestingDepth = MaxNestingDepth,
    };
}

/// <summary>How DMARC failure reports are kept (section <c>Ingestion:FailureReports</c>).</summary>
public sealed class FailureReportOptions
{
    /// <summary>Keep the original message's body when a reporter sends the whole message. Off by default: a body is
    /// personal data (the mail of whoever the message was sent to), and the headers and authentication results are
    /// what an analyst needs.</summary>
    public bool StoreBodies { get; set; }
}
