using System.Buffers.Text;
using System.Text;
using DmarcSecurity.Core.Reports;

namespace DmarcSecurity.Core.Ingestion;

/// <summary>The MIME encodings reporters use: base64 and quoted-printable bodies, RFC 2047 and RFC 2231 names.</summary>
internal static class MimeDecoders
{
    /// <summary>Base64 that skips line breaks and stray characters, and tolerates missing padding.</summary>
    public static ReadOnlyMemory<byte> DecodeBase64(ReadOnlySpan<byte> encoded)
    {
        var buffer = new byte[encoded.Length + 3];
        var length = 0;
        foreach (var b in encoded)
        {
            if (b == '=')
            {
                break;
            }

            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/')
            {
                buffer[length++] = b;
            }
        }

        // A lone trailing sextet cannot form a byte; drop it rather than refuse the attachment.
        if (length % 4 == 1)
        {
            length--;
        }

        while (length % 4 != 0)
        {
            buffer[length++] = (byte)'=';
        }

        Base64.DecodeFromUtf8InPlace(buffer.AsSpan(0, length), out var written);
        return buffer.AsMemory(0, written);
    }

    public static ReadOnlyMemory<byte> DecodeQuotedPrintable(ReadOnlySpan<byte> encoded)
    {
        var output = new byte[encoded.Length];
        var length = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var b = encoded[i];
            if (b != '=')
            {
                output[length++] = b;
                continue;
            }

            var rest = encoded[(i + 1)..];
            var softBreak = rest.IndexOfAnyExcept(" \t"u8);
            if (softBreak >= 0 && rest[softBreak] == '\n')
            {
                i += softBreak + 1;
            }
            else if (softBreak >= 0 && rest[softBreak] == '\r' && rest.Length > softBreak + 1 && rest[softBreak + 1] == '\n')
            {
                i += softBreak + 2;
            }
            else if (rest.Length >= 2 && IsHex(rest[0]) && IsHex(rest[1]))
            {
                output[length++] = (byte)((HexValue(rest[0]) << 4) | HexValue(rest[1]));
                i += 2;
            }
            else
            {
                // Not a valid escape: keep the '=' literally, as RFC 2045 advises decoders to do.
                output[length++] = b;
            }
        }

        return output.AsMemory(0, length);
    }

    /// <summary>Decodes RFC 2047 encoded-words (<c>=?utf-8?B?...?=</c>) in a header value.</summary>
    public static string DecodeEncodedWords(string value)
    {
        if (!value.Contains("=?", StringComparison.Ordinal))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        var position = 0;
        var pendingWhitespace = string.Empty;
        var previousWasWord = false;
        while (position < value.Length)
        {
            var start = value.IndexOf("=?", position, StringComparison.Ordinal);
            if (start < 0 || !TryDecodeWord(value, start, out var decoded, out var end))
            {
                var next = start < 0 ? value.Length : start + 2;
                builder.Append(value, position, next - position);
                position = next;
                previousWasWord = false;
                continue;
            }

            pendingWhitespace = value[position..start];

            // Whitespace between two adjacent encoded-words is folding, not content (RFC 2047 section 6.2).
            if (!(previousWasWord && string.IsNullOrWhiteSpace(pendingWhitespace)))
            {
                builder.Append(pendingWhitespace);
            }

            builder.Append(decoded);
            position = end;
            previousWasWord = true;
        }

        return builder.ToString();
    }

    /// <summary>A parameter value, joining RFC 2231 continuations and decoding charset and percent escapes.</summary>
    public static string? ParameterValue(IReadOnlyDictionary<string, string> parameters, string name)
    {
        if (parameters.TryGetValue(name + "*", out var extended))
        {
            return DecodeExtended([(extended, true)]);
        }

        if (parameters.ContainsKey(name + "*0") || parameters.ContainsKey(name + "*0*"))
        {
            var sections = new List<(string Value, bool Encoded)>();
            for (var n = 0; ; n++)
            {
                if (parameters.TryGetValue($"{name}*{n}*", out var encoded))
                {
                    sections.Add((encoded, true));
                }
                else if (parameters.TryGetValue($"{name}*{n}", out var plain))
                {
                    sections.Add((plain, false));
                }
                else
                {
                    break;
                }
            }

            return DecodeExtended(sections);
        }

        // Outlook and others put RFC 2047 words inside quoted parameters, which RFC 2047 forbids but is common.
        return parameters.TryGetValue(name, out var value) ? DecodeEncodedWords(value) : null;
    }

    private static string DecodeExtended(List<(string Value, bool Encoded)> sections)
    {
        var encoding = Charsets.Utf8;
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < sections.Count; i++)
        {
            var (value, encoded) = sections[i];
            if (i == 0 && encoded)
            {
                // charset'language'percent-encoded-value
                var firstQuote = value.IndexOf('\'', StringComparison.Ordinal);
                var secondQuote = firstQuote < 0 ? -1 : value.IndexOf('\'', firstQuote + 1);
                if (secondQuote > 0)
                {
                    encoding = Charsets.Find(value.AsSpan(0, firstQuote));
                    value = value[(secondQuote + 1)..];
                }
            }

            for (var c = 0; c < value.Length; c++)
            {
                if (encoded && value[c] == '%' && c + 2 < value.Length && IsHex(value[c + 1]) && IsHex(value[c + 2]))
                {
                    bytes.Add((byte)((HexValue(value[c + 1]) << 4) | HexValue(value[c + 2])));
                    c += 2;
                }
                else
                {
                    var count = Encoding.UTF8.GetBytes(value.AsSpan(c, 1), utf8);
                    bytes.AddRange(utf8[..count]);
                }
            }
        }

        return encoding.GetString(bytes.ToArray());
    }

    private static bool TryDecodeWord(string value, int start, out string decoded, out int end)
    {
        decoded = string.Empty;
        end = start;
        var charsetEnd = value.IndexOf('?', start + 2);
        if (charsetEnd < 0 || charsetEnd + 2 >= value.Length || value[charsetEnd + 2] != '?')
        {
            return false;
        }

        var textStart = charsetEnd + 3;
        var textEnd = value.IndexOf("?=", textStart, StringComparison.Ordinal);
        if (textEnd < 0)
        {
            return false;
        }

        // RFC 2231 allows a language after '*' in the charset: utf-8*en.
        var charset = value.AsSpan(start + 2, charsetEnd - start - 2);
        var star = charset.IndexOf('*');
        var encoding = Charsets.Find(star >= 0 ? charset[..star] : charset);
        var text = value.AsSpan(textStart, textEnd - textStart);
        switch (char.ToUpperInvariant(value[charsetEnd + 1]))
        {
            case 'B':
                decoded = encoding.GetString(DecodeBase64(Encoding.ASCII.GetBytes(text.ToString())).Span);
                break;
            case 'Q':
                var bytes = Encoding.Latin1.GetBytes(text.ToString().Replace('_', ' '));
                decoded = encoding.GetString(DecodeQuotedPrintable(bytes).Span);
                break;
            default:
                return false;
        }

        end = textEnd + 2;
        return true;
    }

    private static bool IsHex(int c) => char.IsAsciiHexDigit((char)c);

    private static int HexValue(int c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
