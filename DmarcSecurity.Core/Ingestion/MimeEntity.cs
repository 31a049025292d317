using System.Text;
using DmarcSecurity.Core.Reports;

namespace DmarcSecurity.Core.Ingestion;

/// <summary>
/// One MIME entity (a whole message or a body part): the few headers that locate a report, and the body.
/// Parsing is lenient, as mail on the wire is: bare LF line ends, missing closing boundaries, odd casing.
/// </summary>
internal sealed class MimeEntity
{
    private MimeEntity(string mediaType, IReadOnlyDictionary<string, string> typeParameters, string transferEncoding, string? fileName, ReadOnlyMemory<byte> body)
    {
        MediaType = mediaType;
        TypeParameters = typeParameters;
        TransferEncoding = transferEncoding;
        FileName = fileName;
        Body = body;
    }

    /// <summary>Lower-case <c>type/subtype</c>; <c>text/plain</c> when absent, as RFC 2045 says.</summary>
    public string MediaType { get; }

    public IReadOnlyDictionary<string, string> TypeParameters { get; }

    public string TransferEncoding { get; }

    /// <summary>The attachment's file name, decoded; for display only, never to decide what the content is.</summary>
    public string? FileName { get; }

    /// <summary>The body as transmitted, still transfer-encoded.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    public bool IsMultipart => MediaType.StartsWith("multipart/", StringComparison.Ordinal);

    public bool IsMessage => MediaType is "message/rfc822" or "message/global";

    public static MimeEntity Parse(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        var position = 0;
        if (span.StartsWith("From "u8))
        {
            position = NextLine(span, 0);
        }

        string? contentType = null, disposition = null, transferEncoding = null;
        string? name = null;
        var value = new StringBuilder();
        while (position < span.Length)
        {
            var lineEnd = NextLine(span, position);
            var line = span[position..lineEnd].TrimEnd("\r\n"u8);
            if (line.IsEmpty)
            {
                position = lineEnd;
                break;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                if (name is not null)
                {
                    value.Append(Charsets.Utf8.GetString(line));
                }

                position = lineEnd;
                continue;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                // Not a header: the part has no header block and this line already belongs to the body.
                break;
            }

            Commit(name, value, ref contentType, ref disposition, ref transferEncoding);
            name = Encoding.ASCII.GetString(line[..colon]).Trim();
            value.Clear().Append(Charsets.Utf8.GetString(line[(colon + 1)..]));
            position = lineEnd;
        }

        Commit(name, value, ref contentType, ref disposition, ref transferEncoding);

        var (mediaType, typeParameters) = ParseStructured(contentType);
        var (_, dispositionParameters) = ParseStructured(disposition);
        var fileName = MimeDecoders.ParameterValue(dispositionParameters, "filename") ?? MimeDecoders.ParameterValue(typeParameters, "name");
        return new MimeEntity(
            mediaType.Length == 0 ? "text/plain" : mediaType.ToLowerInvariant(),
            typeParameters,
            (transferEncoding ?? "7bit").Trim().ToLowerInvariant(),
            fileName,
            data[position..]);
    }

    public ReadOnlyMemory<byte> DecodeBody() => TransferEncoding switch
    {
        "base64" => MimeDecoders.DecodeBase64(Body.Span),
        "quoted-printable" => MimeDecoders.DecodeQuotedPrintable(Body.Span),
        _ => Body,
    };

    /// <summary>The body parts of a multipart entity, without preamble and epilogue.</summary>
    public List<ReadOnlyMemory<byte>> SplitParts()
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        if (!TypeParameters.TryGetValue("boundary", out var boundary) || boundary.Length == 0)
        {
            return parts;
        }

        var span = Body.Span;
        var delimiter = Encoding.UTF8.GetBytes("--" + boundary);
        var partStart = -1;
        var searchFrom = 0;
        while (searchFrom < span.Length)
        {
            var found = span[searchFrom..].IndexOf(delimiter);
            if (found < 0)
            {
                break;
            }

            var at = searchFrom + found;
            var after = at + delimiter.Length;
            var lineEnd = NextLine(span, after);
            var closing = span[after..lineEnd].StartsWith("--"u8);
            var padding = span[(closing ? after + 2 : after)..lineEnd];
            searchFrom = lineEnd;

            // A delimiter starts a line and is followed only by optional transport padding.
            if ((at > 0 && span[at - 1] != '\n') || padding.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                searchFrom = at + 1;
                continue;
            }

            if (partStart >= 0)
            {
                // The line break before a delimiter belongs to the delimiter, not to the part.
                var end = at;
                if (end > partStart && span[end - 1] == '\n')
                {
                    end--;
                }

                if (end > partStart && span[end - 1] == '\r')
                {
                    end--;
                }

                parts.Add(Body[partStart..end]);
            }

            if (closing)
            {
                return parts;
            }

            partStart = lineEnd;
        }

        // No closing delimiter (a cut-off message): keep what arrived; a damaged attachment fails on its own.
        if (partStart >= 0 && partStart < span.Length)
        {
            parts.Add(Body[partStart..]);
        }

        return parts;
    }

    private static void Commit(string? name, StringBuilder value, ref string? contentType, ref string? disposition, ref string? transferEncoding)
    {
        if (name is null)
        {
            return;
        }

        // The first occurrence wins, as most mail clients do with duplicated headers.
        if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
        {
            contentType ??= value.ToString();
        }
        else if (name.Equals("Content-Disposition", StringComparison.OrdinalIgnoreCase))
        {
            disposition ??= value.ToString();
        }
        else if (name.Equals("Content-Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
        {
            transferEncoding ??= value.ToString();
        }
    }

    /// <summary>Splits <c>value; name=token; name="quoted \" string"</c> into the value and its parameters.</summary>
    private static (string Value, Dictionary<string, string> Parameters) ParseStructured(string? header)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(header))
        {
            return (string.Empty, parameters);
        }

        var position = header.IndexOf(';', StringComparison.Ordinal);
        var value = (position < 0 ? header : header[..position]).Trim();
        while (position >= 0 && position < header.Length)
        {
            position++;
            var equals = header.IndexOf('=', position);
            if (equals < 0)
            {
                break;
            }

            var name = header[position..equals].Trim();
            position = equals + 1;
            while (position < header.Length && header[position] is ' ' or '\t')
            {
                position++;
            }

            string parameter;
            if (position < header.Length && header[position] == '"')
            {
                var quoted = new StringBuilder();
                position++;
                while (position < header.Length && header[position] != '"')
                {
                    if (header[position] == '\\' && position + 1 < header.Length)
                    {
                        position++;
                    }

                    quoted.Append(header[position++]);
                }

                parameter = quoted.ToString();
                position = header.IndexOf(';', Math.Min(position, header.Length));
            }
            else
            {
                var end = header.IndexOf(';', position);
                parameter = (end < 0 ? header[position..] : header[position..end]).Trim();
                position = end;
            }

            if (name.Length > 0)
            {
                parameters.TryAdd(name, parameter);
            }
        }

        return (value, parameters);
    }

    private static int NextLine(ReadOnlySpan<byte> span, int from)
    {
        var newline = span[from..].IndexOf((byte)'\n');
        return newline < 0 ? span.Length : from + newline + 1;
    }
}
