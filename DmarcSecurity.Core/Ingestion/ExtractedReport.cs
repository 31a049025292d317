using DmarcSecurity.Core.FailureReports;
using DmarcSecurity.Core.Reports;
using DmarcSecurity.Core.TlsReports;

namespace DmarcSecurity.Core.Ingestion;

/// <summary>One report found inside an input, with the exact XML it was parsed from.</summary>
/// <param name="Report">The parsed report.</param>
/// <param name="Xml">The report's XML bytes as received (after decompression), for archival.</param>
/// <param name="Origin">
/// Where in the input it was found: the file name (or <c>input</c>), then each layer, e.g. <c>report.zip!/a.xml</c> or
/// <c>report.eml &gt; mime part 2 (google.com!example.com!1.xml.gz) &gt; gunzip</c>. File names appear only here.
/// </param>
public sealed record ExtractedReport(AggregateReport Report, ReadOnlyMemory<byte> Xml, string Origin);

/// <summary>One SMTP TLS report (RFC 8460) found inside an input.</summary>
/// <param name="Json">The report's JSON bytes as received (after decompression).</param>
/// <param name="Origin">Where in the input it was found, as for <see cref="ExtractedReport.Origin"/>.</param>
public sealed record ExtractedTlsReport(TlsReport Report, ReadOnlyMemory<byte> Json, string Origin);

/// <summary>One DMARC failure report (RFC 6591) found inside an input.</summary>
/// <param name="Origin">Where in the input it was found, as for <see cref="ExtractedReport.Origin"/>.</param>
public sealed record ExtractedFailureReport(FailureReport Report, string Origin);

/// <summary>Every report found in one input: DMARC aggregate reports, SMTP TLS reports and DMARC failure reports,
/// each in input order.</summary>
public sealed record ExtractedContent(IReadOnlyList<ExtractedReport> Reports, IReadOnlyList<ExtractedTlsReport> TlsReports)
{
    public IReadOnlyList<ExtractedFailureReport> FailureReports { get; init; } = [];

    public int Count => Reports.Count + TlsReports.Count + FailureReports.Count;
}

/// <summary>Why an input was refused. Every value has a human-readable message in <see cref="ReportRejectedException"/>.</summary>
public enum RejectionReason
{
    EmptyInput,
    DtdProhibited,
    DecompressedSizeExceeded,
    CompressionRatioExceeded,
    TooManyArchiveEntries,
    UnsafeEntryName,
    NestingTooDeep,
    NotAReport,
    NoReportFound,
    Truncated,
    MalformedXml,
    UnrecognisedContent,
    InputTooLarge,

    /// <summary>The policy domain is not a domain name (markup, a URL, an address).</summary>
    InvalidPolicyDomain,

    /// <summary>JSON that is not well-formed (a TLS report's container).</summary>
    MalformedJson,

    /// <summary>A TLS report's or failure report's field is missing, of the wrong type or out of range; the message names the field.</summary>
    InvalidReportField,

    /// <summary>The input could not be processed for a reason of our own (a defect or a storage failure), not because of its content.</summary>
    ProcessingFailed,
}

/// <summary>Raised when an input cannot be accepted; <see cref="Exception.Message"/> is written for a person.</summary>
public sealed class ReportRejectedException(RejectionReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public RejectionReason Reason { get; } = reason;
}

/// <summary>Caps applied while unpacking and parsing untrusted input.</summary>
public sealed record ExtractionLimits
{
    /// <summary>Total bytes produced by decompression across one input (default 100 MB).</summary>
    public long MaxDecompressedBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Largest accepted decompressed-to-compressed ratio (default 100:1).</summary>
    public double MaxCompressionRatio { get; init; } = 100;

    /// <summary>Entries a zip archive may hold (default 50).</summary>
    public int MaxArchiveEntries { get; init; } = 50;

    /// <summary>
    /// Archives (zip, gzip) inside archives (default 2: e.g. a zip holding an <c>.xml.gz</c>). E-mail layers are
    /// not archives and do not count here; see <see cref="MaxMessageDepth"/>.
    /// </summary>
    public int MaxNestingDepth { get; init; } = 2;

    /// <summary>E-mail messages inside e-mail messages, counting the outermost (default 5), e.g. forwarded reports.</summary>
    public int MaxMessageDepth { get; init; } = 5;

    /// <summary>Bytes read from one input before it is refused as <see cref="RejectionReason.InputTooLarge"/> (default 100 MB).</summary>
    public long MaxInputBytes { get; init; } = 100L * 1024 * 1024;

    public static ExtractionLimits Default { get; } = new();
}
