namespace DmarcSecurity.Core.Ingestion;

internal enum ContentKind
{
    Empty,
    Xml,
    Json,
    Gzip,
    Zlib,
    Zip,
    Email,
    Text,
    Binary,
}

/// <summary>Recognises what a blob is from its first bytes. File names are never consulted: they lie.</summary>
internal static class ContentSniffer
{
    private const int HeaderScanLimit = 64 * 1024;
    private const int TextScanLimit = 1024;

    private static readonly string[] s_messageHeaders =
    [
        "from", "to", "subject", "date", "received", "return-path", "message-id", "mime-version", "content-type",
        "delivered-to", "reply-to", "dkim-signature", "authentication-results",
    ];

    public static ContentKind Sniff(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 2 && data[0] == 0x1F && data[1] == 0x8B)
        {
            return ContentKind.Gzip;
        }

        // RFC 1950: CMF 0x78 (deflate, 32 KB window), and CMF*256+FLG a multiple of 31. Some reporters send the bare
        // stream their library made instead of a gzip file. No preset dictionary (FDICT clear).
        if (data.Length >= 2 && data[0] == 0x78 && ((data[0] << 8) | data[1]) % 31 == 0 && (data[1] & 0x20) == 0)
        {
            return ContentKind.Zlib;
        }

        // Local file header, or the end-of-central-directory record an empty archive starts with.
        if (data.StartsWith("PK\u0003\u0004"u8) || data.StartsWith("PK\u0005\u0006"u8))
        {
            return ContentKind.Zip;
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || data.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return ContentKind.Xml;
        }

        var text = data.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? data[3..] : data;
        var first = text.IndexOfAnyExcept(" \t\r\n\0"u8);
        if (first < 0)
        {
            return ContentKind.Empty;
        }

        if (text[first] == '<')
        {
            return ContentKind.Xml;
        }

        // An SMTP TLS report (RFC 8460) is one JSON object.
        if (text[first] == '{')
        {
            return ContentKind.Json;
        }

        if (LooksLikeMessage(text))
        {
            return ContentKind.Email;
        }

        return LooksLikeText(text) ? ContentKind.Text : ContentKind.Binary;
    }

    /// <summary>An RFC 5322 header block: field lines (with folded continuations) ended by an empty line.</summary>
    private static bool LooksLikeMessage(ReadOnlySpan<byte> data)
    {
        var block = data[..Math.Min(data.Length, HeaderScanLimit)];

        // An mbox export starts with a "From sender date" envelope line before the headers.
        if (block.StartsWith("From "u8))
        {
            var newline = block.IndexOf((byte)'\n');
            block = newline < 0 ? default : block[(newline + 1)..];
        }

        var fields = 0;
        var known = 0;
        while (!block.IsEmpty)
        {
            var newline = block.IndexOf((byte)'\n');
            if (newline < 0)
            {
                return false;
            }

            var line = block[..newline].TrimEnd((byte)'\r');
            block = block[(newline + 1)..];
            if (line.IsEmpty)
            {
                return fields >= 2 && known >= 1;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                if (fields == 0)
                {
                    return false;
                }

                continue;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[..colon].IndexOfAnyExceptInRange((byte)'!', (byte)'~') >= 0)
            {
                return false;
            }

            fields++;
            if (IsKnownHeader(line[..colon]))
            {
                known++;
            }
        }

        return false;
    }

    private static bool IsKnownHeader(ReadOnlySpan<byte> name)
    {
        if (name.Length > 32)
        {
            return false;
        }

        Span<char> chars = stackalloc char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }

        foreach (var header in s_messageHeaders)
        {
            if (chars.Equals(header, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Printable text (any ASCII-compatible encoding) rather than binary data.</summary>
    private static bool LooksLikeText(ReadOnlySpan<byte> data)
    {
        var sample = data[..Math.Min(data.Length, TextScanLimit)];
        var control = 0;
        foreach (var b in sample)
        {
            if (b == 0)
            {
                return false;
            }

            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x0C)
            {
                control++;
            }
        }

        return control * 20 < sample.Length;
    }
}
