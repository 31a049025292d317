using System.Text;
using DmarcSecurity.Core.Ingestion;

namespace DmarcSecurity.Core.Reports;

/// <summary>Report bytes made ready for XmlReader: encoding chosen, leading junk and stray schema tags removed.</summary>
internal readonly record struct ReportXmlInput(ReadOnlyMemory<byte> Bytes, Encoding Encoding)
{
    private const int DeclarationSearchLimit = 512;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static ReportXmlInput Prepare(ReadOnlyMemory<byte> xml)
    {
        var span = xml.Span;
        if (span.Length >= 2 && ((span[0] == 0xFF && span[1] == 0xFE) || (span[0] == 0xFE && span[1] == 0xFF)))
        {
            var utf16 = span[0] == 0xFF ? Encoding.Unicode : Encoding.BigEndianUnicode;
            return new ReportXmlInput(xml[2..], utf16);
        }

        if (span.Length >= 2 && span[0] == '<' && span[1] == 0)
        {
            return new ReportXmlInput(xml, Encoding.Unicode);
        }

        if (span.Length >= 2 && span[0] == 0 && span[1] == '<')
        {
            return new ReportXmlInput(xml, Encoding.BigEndianUnicode);
        }

        var start = span.StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        var firstSignificant = span[start..].IndexOfAnyExcept(" \t\r\n\0"u8);
        if (firstSignificant < 0)
        {
            throw new ReportRejectedException(RejectionReason.EmptyInput, "The report contains no XML, only whitespace.");
        }

        start += firstSignificant;
        if (span[start] != '<')
        {
            throw new ReportRejectedException(
                RejectionReason.NotAReport,
                $"The content is not XML and not an aggregate report; it begins with \"{Preview(span[start..])}\".");
        }

        var body = StripStraySchemaTags(xml[start..]);
        return new ReportXmlInput(body, DeclaredEncoding(body.Span));
    }

    /// <summary>A short printable excerpt of untrusted content for an error message.</summary>
    public static string Preview(ReadOnlySpan<byte> content)
    {
        const int maxLength = 24;
        var builder = new StringBuilder(maxLength + 3);
        foreach (var b in content[..Math.Min(content.Length, maxLength)])
        {
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return content.Length > maxLength ? builder.Append("...").ToString() : builder.ToString();
    }

    private static Encoding DeclaredEncoding(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith("<?xml"u8))
        {
            return Charsets.Utf8;
        }

        var declaration = body[..Math.Min(body.Length, DeclarationSearchLimit)];
        var close = declaration.IndexOf("?>"u8);
        if (close > 0)
        {
            declaration = declaration[..close];
        }

        var at = declaration.IndexOf("encoding"u8);
        if (at < 0)
        {
            return Charsets.Utf8;
        }

        var rest = declaration[(at + "encoding".Length)..].TrimStart(" \t\r\n="u8);
        if (rest.IsEmpty || (rest[0] != '"' && rest[0] != '\''))
        {
            return Charsets.Utf8;
        }

        var end = rest[1..].IndexOf(rest[0]);
        if (end < 0)
        {
            return Charsets.Utf8;
        }

        var label = Encoding.ASCII.GetString(rest.Slice(1, end));
        var encoding = Charsets.Find(label);

        // A declaration of UTF-16 on bytes that are plainly ASCII-compatible (no BOM, no NUL pattern) is a lie.
        return encoding is UnicodeEncoding or UTF32Encoding ? Charsets.Utf8 : encoding;
    }

    /// <summary>
    /// Some reporters (IKEA's among them) paste an unclosed <c>&lt;xs:schema ...&gt;</c> tag into the report,
    /// which leaves it not well-formed. The tags carry no report data, so they are cut out.
    /// </summary>
    private static ReadOnlyMemory<byte> StripStraySchemaTags(ReadOnlyMemory<byte> xml)
    {
        var span = xml.Span;
        if (span.IndexOf("xs:schema"u8) < 0)
        {
            return xml;
        }

        var output = new byte[span.Length];
        var written = 0;
        var position = 0;
        while (position < span.Length)
        {
            var tag = FindSchemaTag(span[position..]);
            if (tag < 0)
            {
                break;
            }

            var tagStart = position + tag;
            var tagEnd = span[tagStart..].IndexOf((byte)'>');
            if (tagEnd < 0)
            {
                break;
            }

            span[position..tagStart].CopyTo(output.AsSpan(written));
            written += tagStart - position;
            position = tagStart + tagEnd + 1;
        }

        span[position..].CopyTo(output.AsSpan(written));
        written += span.Length - position;
        return output.AsMemory(0, written);
    }

    private static int FindSchemaTag(ReadOnlySpan<byte> span)
    {
        var open = span.IndexOf("<xs:schema"u8);
        var close = span.IndexOf("</xs:schema"u8);
        return open < 0 ? close : close < 0 ? open : Math.Min(open, close);
    }
}
