using System.Xml;
using DmarcSecurity.Core.Ingestion;

namespace DmarcSecurity.Core.Reports;

/// <summary>
/// Parses one DMARC aggregate report (RFC 7489 Appendix C, RFC 9990, or the pre-RFC draft) from its XML bytes,
/// tolerating the quirks real reporters produce and refusing what is unsafe or not a report.
/// </summary>
public static class AggregateReportParser
{
    /// <summary>Parses a report; the bytes may carry a BOM, any declared encoding and invalid characters.</summary>
    /// <param name="xml">The report's XML, already decompressed.</param>
    /// <returns>The normalised report. Unreadable records are skipped and counted, quirks are listed in warnings.</returns>
    /// <exception cref="ReportRejectedException">
    /// The input declares a DTD (<see cref="RejectionReason.DtdProhibited"/>), is not well-formed
    /// (<see cref="RejectionReason.MalformedXml"/>), ends early (<see cref="RejectionReason.Truncated"/>), is empty
    /// (<see cref="RejectionReason.EmptyInput"/>) or is not an aggregate report (<see cref="RejectionReason.NotAReport"/>).
    /// </exception>
    public static AggregateReport Parse(ReadOnlyMemory<byte> xml)
    {
        if (xml.IsEmpty)
        {
            throw new ReportRejectedException(RejectionReason.EmptyInput, "The report is empty.");
        }

        var input = ReportXmlInput.Prepare(xml);
        var names = new ReportNames();
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreWhitespace = true,
            IgnoreProcessingInstructions = true,
            CheckCharacters = false,
            NameTable = names.Table,
        };

        using var text = new SanitizingTextReader(input.Bytes, input.Encoding);
        using var reader = XmlReader.Create(text, settings);
        var document = new ReportDocumentReader(reader, names);
        AggregateReport report;
        try
        {
            report = document.Read();
        }
        catch (XmlException e)
        {
            throw Classify(e, input.Bytes.Span, document.RootSeen);
        }

        if (text.ReplacedCharacters == 0)
        {
            return report;
        }

        var warning = $"{text.ReplacedCharacters} invalid characters (bad byte sequences or control characters) were replaced with U+FFFD";
        return report with { Warnings = [.. report.Warnings, warning] };
    }

    private static ReportRejectedException Classify(XmlException e, ReadOnlySpan<byte> xml, bool rootSeen)
    {
        // XmlReader gives no error codes, so the cause is read from the bytes rather than from the message text.
        if (!rootSeen && (xml.IndexOf("<!DOCTYPE"u8) >= 0 || xml.IndexOf("<!ENTITY"u8) >= 0))
        {
            return new ReportRejectedException(
                RejectionReason.DtdProhibited,
                "The XML declares a DOCTYPE. Document type definitions and entities are refused because they enable "
                + "external entity (XXE) and entity expansion attacks; aggregate reports never need them.",
                e);
        }

        if (!EndsWithRootEndTag(xml))
        {
            return new ReportRejectedException(
                RejectionReason.Truncated,
                $"The XML ends before the report is complete; the file looks truncated ({e.Message}).",
                e);
        }

        return new ReportRejectedException(RejectionReason.MalformedXml, $"The XML is not well-formed: {e.Message}", e);
    }

    private static bool EndsWithRootEndTag(ReadOnlySpan<byte> xml)
    {
        var tail = xml.TrimEnd(" \t\r\n\0"u8);
        if (tail.IsEmpty || tail[^1] != '>')
        {
            return false;
        }

        tail = tail[..^1].TrimEnd(" \t\r\n"u8);
        return tail.EndsWith("feedback"u8) && tail[Math.Max(0, tail.Length - 64)..].IndexOf("</"u8) >= 0;
    }
}
