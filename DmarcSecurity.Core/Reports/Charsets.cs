using System.Text;

namespace DmarcSecurity.Core.Reports;

/// <summary>Maps charset labels from XML declarations and MIME headers to decoders that never throw.</summary>
internal static class Charsets
{
    /// <summary>UTF-8 that replaces invalid bytes with U+FFFD instead of failing the whole report.</summary>
    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static Encoding Find(ReadOnlySpan<char> label)
    {
        var name = label.Trim();
        if (name.IsEmpty
            || name.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || name.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            // ASCII labels are routinely wrong about 8-bit content; UTF-8 is a superset and degrades gracefully.
            || name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)
            || name.Equals("ascii", StringComparison.OrdinalIgnoreCase))
        {
            return Utf8;
        }

        if (name.Equals("iso-8859-1", StringComparison.OrdinalIgnoreCase) || name.Equals("latin1", StringComparison.OrdinalIgnoreCase))
        {
            return Encoding.Latin1;
        }

        var text = name.ToString();
        try
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(text) ?? Encoding.GetEncoding(text);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return Utf8;
        }
    }
}
