using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using DmarcSecurity.Core.FailureReports;
using DmarcSecurity.Core.Reports;
using DmarcSecurity.Core.TlsReports;
using MimeKit;

namespace DmarcSecurity.Core.Ingestion;

/// <summary>
/// Unpacks one input, layer by layer, into the reports it holds. Any refusal anywhere refuses the whole input,
/// so a caller stores a file whole or not at all; every message starts with where in the input it happened.
/// </summary>
internal sealed class ExtractionSession(ExtractionLimits limits)
{
    /// <summary>Multipart bodies inside multipart bodies; real mail uses three or four levels.</summary>
    private const int MaxMultipartDepth = 16;

    private const int MaxLabelLength = 200;

    /// <summary>MimeKit stops building the tree below this depth; the walk refuses well before it, so a message
    /// nested thousands of levels deep costs neither stack nor memory.</summary>
    private static readonly ParserOptions s_parserOptions = new() { MaxMimeDepth = MaxMultipartDepth + 8 };

    private readonly InflationBudget _budget = new(limits);

    public List<ExtractedReport> Reports { get; } = [];

    public List<ExtractedTlsReport> TlsReports { get; } = [];

    public List<ExtractedFailureReport> FailureReports { get; } = [];

    /// <summary>
    /// Recognises <paramref name="data"/> and unpacks or parses it. Strict where the content must be a report
    /// (the input itself, a gzip's content); lenient for zip entries and e-mail parts, where text and binary
    /// companions (read-me files, logos, the message text) are passed over.
    /// </summary>
    public void Process(ReadOnlyMemory<byte> data, string origin, int archiveDepth, int messageDepth, bool strict)
    {
        switch (ContentSniffer.Sniff(data.Span))
        {
            case ContentKind.Xml:
                AddReport(data, origin);
                break;
            case ContentKind.Json:
                AddTlsReport(data, origin);
                break;
            case ContentKind.Gzip:
                CheckArchiveDepth(archiveDepth, origin);
                Process(Gunzip(data, origin), $"{origin} > gunzip", archiveDepth + 1, messageDepth, strict: true);
                break;
            case ContentKind.Zlib:
                CheckArchiveDepth(archiveDepth, origin);
                ProcessZlib(data, origin, archiveDepth, messageDepth, strict);
                break;
            case ContentKind.Zip:
                CheckArchiveDepth(archiveDepth, origin);
                Unzip(data, origin, archiveDepth + 1, messageDepth);
                break;
            case ContentKind.Email:
                CheckMessageDepth(messageDepth, origin);
                ProcessMessage(data, origin, archiveDepth, messageDepth + 1);
                break;
            case ContentKind.Empty when strict:
                throw Reject(RejectionReason.EmptyInput, origin, "the content is empty.");
            case ContentKind.Text when strict:
                throw Reject(
                    RejectionReason.NotAReport,
                    origin,
                    $"the content is plain text, not an aggregate report: \"{ReportXmlInput.Preview(data.Span.TrimStart(" \t\r\n"u8))}\".");
            case ContentKind.Binary when strict:
                throw Reject(
                    RejectionReason.UnrecognisedContent,
                    origin,
                    "the content is not XML, JSON, gzip, zip or an e-mail message; it was not recognised.");
        }
    }

    private void ProcessMessage(ReadOnlyMemory<byte> data, string origin, int archiveDepth, int messageDepth)
    {
        // Persistent: part bodies stay slices of the input instead of copies; the stream lives through the walk.
        using var stream = AsStream(data);
        MimeMessage message;
        try
        {
            message = new MimeParser(s_parserOptions, stream, persistent: true).ParseMessage();
        }
        catch (FormatException e)
        {
            throw Reject(RejectionReason.UnrecognisedContent, origin, $"the e-mail message cannot be read ({e.Message}).", e);
        }

        ProcessEntity(message.Body, message, origin, archiveDepth, messageDepth, path: string.Empty, multipartDepth: 0);
    }

    /// <param name="message">The message whose body <paramref name="entity"/> is part of.</param>
    private void ProcessEntity(MimeKit.MimeEntity? entity, MimeMessage? message, string origin, int archiveDepth, int messageDepth, string path, int multipartDepth)
    {
        switch (entity)
        {
            case MultipartReport report when string.Equals(report.ReportType, FailureReportParser.FeedbackReportType, StringComparison.OrdinalIgnoreCase):
                // A failure report: the original message inside it is evidence, not a container of reports.
                AddFailureReport(report, message, path.Length == 0 ? origin : $"{origin} > mime part {path}");
                break;
            case Multipart multipart:
                if (multipartDepth >= MaxMultipartDepth)
                {
                    throw Reject(RejectionReason.NestingTooDeep, origin, $"multipart bodies are nested more than {MaxMultipartDepth} deep.");
                }

                for (var i = 0; i < multipart.Count; i++)
                {
                    ProcessEntity(multipart[i], message, origin, archiveDepth, messageDepth, ChildPath(path, i + 1), multipartDepth + 1);
                }

                break;
            case MessagePart forwarded:
                // A forwarded or bounced message: its parts are numbered under this one, as IMAP numbers them.
                CheckMessageDepth(messageDepth, origin);
                var inner = forwarded.Message?.Body;
                var innerPath = inner is Multipart ? path : ChildPath(path, 1);
                ProcessEntity(inner, forwarded.Message, origin, archiveDepth, messageDepth + 1, innerPath, multipartDepth + 1);
                break;
            case MimePart part when !part.ContentType.IsMimeType("text", "html"):
                var number = path.Length == 0 ? "1" : path;
                var label = part.FileName is { Length: > 0 } name ? $"{origin} > mime part {number} ({SafeLabel(name)})" : $"{origin} > mime part {number}";
                Process(Decode(part), label, archiveDepth, messageDepth, strict: false);
                break;
        }
    }

    /// <summary>The part's body with its transfer encoding undone. Base64 and quoted-printable only shrink, so the
    /// result is never larger than the message that held it.</summary>
    private static ReadOnlyMemory<byte> Decode(MimePart part)
    {
        if (part.Content is null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        using var decoded = new MemoryStream();
        part.Content.DecodeTo(decoded);
        return decoded.GetBuffer().AsMemory(0, (int)decoded.Length);
    }

    private ReadOnlyMemory<byte> Gunzip(ReadOnlyMemory<byte> data, string origin)
    {
        const int minimumGzipLength = 18; // 10-byte header, empty deflate block, 8-byte trailer
        if (data.Length < minimumGzipLength)
        {
            throw Reject(RejectionReason.Truncated, origin, $"the gzip data is truncated ({data.Length} bytes).");
        }

        // The trailer's ISIZE is the uncompressed length mod 2^32. GZipStream ends quietly on cut-off input, so
        // comparing the two is how a truncated download is told from a complete one. The price: a multi-member
        // gzip (legal, but no reporter sends one) is refused too, as its last ISIZE covers only the last member.
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data.Span[^4..]);
        ReadOnlyMemory<byte> output;
        try
        {
            using var gzip = new GZipStream(AsStream(data), CompressionMode.Decompress);
            output = _budget.Inflate(gzip, data.Length, declared, origin);
        }
        catch (InvalidDataException e)
        {
            throw Reject(RejectionReason.Truncated, origin, $"the gzip data is truncated or corrupt ({e.Message}).", e);
        }

        if ((uint)output.Length != declared && !HasTrailerBeforeTheEnd(data.Span, (uint)output.Length))
        {
            throw Reject(
                RejectionReason.Truncated,
                origin,
                $"the gzip data is truncated: its trailer promises {declared:N0} bytes but {output.Length:N0} could be decompressed.");
        }

        return output;
    }

    /// <summary>Two bytes are a weak signature (text starting "x^" passes it), so where companions are passed over, a
    /// "zlib" stream that does not inflate is passed over too, rather than refusing the e-mail or archive around it.</summary>
    private void ProcessZlib(ReadOnlyMemory<byte> data, string origin, int archiveDepth, int messageDepth, bool strict)
    {
        ReadOnlyMemory<byte> inflated;
        try
        {
            inflated = Inflate(data, origin);
        }
        catch (ReportRejectedException e) when (!strict && e.Reason == RejectionReason.Truncated)
        {
            return;
        }

        Process(inflated, $"{origin} > zlib", archiveDepth + 1, messageDepth, strict: true);
    }

    /// <summary>
    /// Some reporters' gzip files carry bytes after the trailer (zero padding, a newline from a text-mode transfer).
    /// The inflater stops at the end of the stream; the file is whole when the trailer it ended on, a little before the
    /// end of the input, declares the length that came out.
    /// </summary>
    private static bool HasTrailerBeforeTheEnd(ReadOnlySpan<byte> data, uint inflatedLength)
    {
        const int headerAndTrailer = 18;
        const int mostTrailingBytes = 4096;
        for (var end = data.Length - 1; end >= Math.Max(headerAndTrailer, data.Length - mostTrailingBytes); end--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(data[(end - 4)..end]) == inflatedLength)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A raw zlib stream. Unlike gzip it declares no length; a cut-off stream ends in cut-off XML, which the
    /// report parser refuses.</summary>
    private ReadOnlyMemory<byte> Inflate(ReadOnlyMemory<byte> data, string origin)
    {
        try
        {
            using var zlib = new ZLibStream(AsStream(data), CompressionMode.Decompress);
            return _budget.Inflate(zlib, data.Length, data.Length * 8L, origin);
        }
        catch (InvalidDataException e)
        {
            throw Reject(RejectionReason.Truncated, origin, $"the zlib data is truncated or corrupt ({e.Message}).", e);
        }
    }

    private void Unzip(ReadOnlyMemory<byte> data, string origin, int archiveDepth, int messageDepth)
    {
        if (!ZipDirectory.TryReadEndRecord(data.Span, out var declaredEntries))
        {
            throw Reject(RejectionReason.Truncated, origin, "the zip archive is truncated: its central directory is missing.");
        }

        if (declaredEntries > limits.MaxArchiveEntries)
        {
            throw TooManyEntries(origin, declaredEntries);
        }

        ZipArchive archive;
        try
        {
            archive = new ZipArchive(AsStream(data), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw Reject(RejectionReason.Truncated, origin, $"the zip archive is truncated or corrupt ({e.Message}).", e);
        }

        using (archive)
        {
            var entries = archive.Entries;
            if (entries.Count > limits.MaxArchiveEntries)
            {
                throw TooManyEntries(origin, entries.Count);
            }

            long declaredBytes = 0;
            foreach (var entry in entries)
            {
                if (ZipDirectory.IsUnsafeEntryName(entry.FullName))
                {
                    throw Reject(
                        RejectionReason.UnsafeEntryName,
                        origin,
                        $"the zip entry name \"{SafeLabel(entry.FullName)}\" points outside the archive (parent segment, rooted path or drive letter).");
                }

                declaredBytes += entry.Length;
            }

            // Honest archives state their sizes; refusing on the declaration saves inflating a bomb at all.
            if (declaredBytes > limits.MaxDecompressedBytes)
            {
                throw Reject(
                    RejectionReason.DecompressedSizeExceeded,
                    origin,
                    $"the zip archive declares {declaredBytes:N0} uncompressed bytes, over the {limits.MaxDecompressedBytes:N0}-byte limit.");
            }

            foreach (var entry in entries)
            {
                if (entry.FullName.EndsWith('/') && entry.Length == 0)
                {
                    continue;
                }

                var entryOrigin = $"{origin}!/{SafeLabel(entry.FullName)}";
                Process(ReadEntry(entry, entryOrigin), entryOrigin, archiveDepth, messageDepth, strict: false);
            }
        }
    }

    private ReadOnlyMemory<byte> ReadEntry(ZipArchiveEntry entry, string origin)
    {
        try
        {
            using var stream = entry.Open();
            return _budget.Inflate(stream, entry.CompressedLength, entry.Length, origin);
        }
        catch (InvalidDataException e)
        {
            throw Reject(RejectionReason.Truncated, origin, $"the zip entry is truncated or corrupt ({e.Message}).", e);
        }
        catch (NotSupportedException e)
        {
            throw Reject(RejectionReason.UnrecognisedContent, origin, $"the zip entry cannot be read ({e.Message}).", e);
        }
    }

    private void AddReport(ReadOnlyMemory<byte> xml, string origin)
    {
        try
        {
            Reports.Add(new ExtractedReport(AggregateReportParser.Parse(xml), xml, origin));
        }
        catch (ReportRejectedException e)
        {
            throw Reject(e.Reason, origin, e.Message, e);
        }
    }

    private void AddTlsReport(ReadOnlyMemory<byte> json, string origin)
    {
        try
        {
            TlsReports.Add(new ExtractedTlsReport(TlsReportParser.Parse(json), json, origin));
        }
        catch (ReportRejectedException e)
        {
            throw Reject(e.Reason, origin, e.Message, e);
        }
    }

    private void AddFailureReport(MultipartReport report, MimeMessage? message, string origin)
    {
        try
        {
            FailureReports.Add(new ExtractedFailureReport(FailureReportParser.Parse(report, message), origin));
        }
        catch (ReportRejectedException e)
        {
            throw Reject(e.Reason, origin, e.Message, e);
        }
    }

    private void CheckArchiveDepth(int archiveDepth, string origin)
    {
        if (archiveDepth >= limits.MaxNestingDepth)
        {
            throw Reject(
                RejectionReason.NestingTooDeep,
                origin,
                $"archives are nested more than {limits.MaxNestingDepth} deep; refused as a likely attempt to evade the limits.");
        }
    }

    private void CheckMessageDepth(int messageDepth, string origin)
    {
        if (messageDepth >= limits.MaxMessageDepth)
        {
            throw Reject(RejectionReason.NestingTooDeep, origin, $"e-mail messages are nested more than {limits.MaxMessageDepth} deep.");
        }
    }

    private ReportRejectedException TooManyEntries(string origin, int count) => Reject(
        RejectionReason.TooManyArchiveEntries,
        origin,
        $"the zip archive holds {count:N0} entries; at most {limits.MaxArchiveEntries:N0} are accepted.");

    private static ReportRejectedException Reject(RejectionReason reason, string origin, string message, Exception? inner = null) =>
        new(reason, $"{origin}: {message}", inner);

    private static string ChildPath(string path, int index) => path.Length == 0 ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{path}.{index}";

    /// <summary>Names from the input end up in logs and screens: control characters go, length is capped.</summary>
    public static string SafeLabel(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, MaxLabelLength));
        foreach (var c in name.AsSpan(0, Math.Min(name.Length, MaxLabelLength)))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return name.Length > MaxLabelLength ? builder.Append("...").ToString() : builder.ToString();
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);
}
