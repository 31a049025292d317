namespace DmarcSecurity.Core.Ingestion;

/// <summary>
/// Finds the DMARC aggregate reports in one untrusted input: plain XML, gzip, zip, or a whole e-mail message,
/// nested in any order within the limits. Content is recognised by its bytes, never by a file name.
/// Thread-safe: one instance may serve concurrent callers.
/// </summary>
public sealed class ReportExtractor
{
    private readonly ExtractionLimits _limits;

    /// <param name="limits">Caps applied to every input; see <see cref="ExtractionLimits.Default"/>.</param>
    public ReportExtractor(ExtractionLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.MaxDecompressedBytes, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxCompressionRatio, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.MaxArchiveEntries, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxNestingDepth, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.MaxMessageDepth, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.MaxInputBytes, nameof(limits));
        _limits = limits;
    }

    /// <summary>Reads the input from its current position to its end and returns every report in it.</summary>
    /// <param name="input">Any readable stream; a seekable one larger than the input cap is refused unread.</param>
    /// <param name="label">How messages name the input (e.g. the uploaded file's name); by default a file stream's
    /// name, otherwise "input".</param>
    /// <returns>At least one report; several when an archive or e-mail holds several.</returns>
    /// <exception cref="ReportRejectedException">
    /// The input, or any part of it, is refused; the message names the part (e.g. <c>input!/b.xml</c>). Nothing
    /// from a refused input is returned.
    /// </exception>
    public IReadOnlyList<ExtractedReport> Extract(Stream input, string? label = null)
    {
        var content = ExtractContent(input, label);
        if (content.Reports.Count == 0)
        {
            throw new ReportRejectedException(
                RejectionReason.NoReportFound,
                content.TlsReports.Count > 0
                    ? $"{content.TlsReports[0].Origin}: only SMTP TLS reports were found; no aggregate report."
                    : $"{content.FailureReports[0].Origin}: only DMARC failure reports were found; no aggregate report.");
        }

        return content.Reports;
    }

    /// <summary>Reads the input from its current position to its end and returns every DMARC aggregate report, every
    /// SMTP TLS report (RFC 8460 JSON) and every DMARC failure report (RFC 6591 multipart/report e-mail) in it.</summary>
    /// <returns>At least one report of either kind.</returns>
    /// <exception cref="ReportRejectedException">As for <see cref="Extract"/>.</exception>
    public ExtractedContent ExtractContent(Stream input, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var origin = ExtractionSession.SafeLabel(label ?? (input is FileStream file ? Path.GetFileName(file.Name) : "input"));
        var data = ReadInput(input, origin);
        if (data.Length == 0)
        {
            throw new ReportRejectedException(RejectionReason.EmptyInput, $"{origin}: the input is empty.");
        }

        var session = new ExtractionSession(_limits);
        session.Process(data, origin, archiveDepth: 0, messageDepth: 0, strict: true);
        if (session.Reports.Count == 0 && session.TlsReports.Count == 0 && session.FailureReports.Count == 0)
        {
            throw new ReportRejectedException(
                RejectionReason.NoReportFound,
                $"{origin}: no aggregate report was found; no part of the e-mail or archive holds report XML, SMTP TLS report JSON or a DMARC failure report.");
        }

        return new ExtractedContent(session.Reports, session.TlsReports) { FailureReports = session.FailureReports };
    }

    private ReadOnlyMemory<byte> ReadInput(Stream input, string origin)
    {
        if (input.CanSeek)
        {
            var remaining = Math.Max(0, input.Length - input.Position);
            if (remaining > _limits.MaxInputBytes)
            {
                throw TooLarge(origin);
            }

            var buffer = new byte[remaining];
            var read = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return buffer.AsMemory(0, read);
        }

        using var copy = new MemoryStream();
        var chunk = new byte[81920];
        int count;
        while ((count = input.Read(chunk)) > 0)
        {
            if (copy.Length + count > _limits.MaxInputBytes)
            {
                throw TooLarge(origin);
            }

            copy.Write(chunk, 0, count);
        }

        return copy.GetBuffer().AsMemory(0, (int)copy.Length);
    }

    private ReportRejectedException TooLarge(string origin) => new(
        RejectionReason.InputTooLarge,
        $"{origin}: the input is larger than the {_limits.MaxInputBytes:N0}-byte limit and was not read.");
}
