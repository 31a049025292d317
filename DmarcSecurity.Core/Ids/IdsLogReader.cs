using System.IO.Compression;
using System.Text.Json;

namespace DmarcSecurity.Core.Ids;

/// <summary>
/// Reads Snort and Suricata fast logs, Suricata EVE JSON and Zeek conn and notice logs (tab-separated or JSON) into
/// <see cref="IdsEvent"/>s, streaming: memory stays bounded by the longest line allowed, whatever the input's size.
/// </summary>
public static class IdsLogReader
{
    /// <summary>How much of the content <see cref="Read"/> looks at to detect the format.</summary>
    public const int DetectBytes = 16 * 1024;

    private const int DetectLines = 20;

    /// <summary>
    /// The format of a log from its first few KB of content (gzip is inflated for the look); null when it is not a
    /// format read here. The first line that looks like one of them decides: a fast line with a four-digit year is
    /// Suricata's, without a year or with two digits Snort's.
    /// </summary>
    public static IdsFormat? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            var inflated = InflateHead(head);
            return inflated.Length >= 2 && inflated[0] == 0x1F && inflated[1] == 0x8B ? null : Detect(inflated);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head = head[3..];
        }

        var looked = 0;
        while (!head.IsEmpty && looked < DetectLines)
        {
            var newline = head.IndexOf((byte)'\n');
            var partial = newline < 0;
            var line = IdsText.Trim(partial ? head : head[..newline]);
            head = partial ? default : head[(newline + 1)..];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                continue;
            }

            looked++;
            var format = line[0] switch
            {
                (byte)'#' => line.StartsWith("#separator"u8) || line.StartsWith("#fields"u8) || line.StartsWith("#path"u8)
                    ? IdsFormat.ZeekTsv
                    : (IdsFormat?)null,
                (byte)'{' => DetectJson(line, partial),
                _ => DetectFast(line, partial),
            };
            if (format is not null)
            {
                return format;
            }
        }

        return null;
    }

    /// <summary>
    /// Streams the events of one log. <paramref name="format"/> null detects it from the content and throws
    /// <see cref="InvalidDataException"/> before yielding anything when it is none read here (empty input yields
    /// nothing). Gzip input is inflated transparently, under <see cref="IdsReadOptions.MaxDecompressedBytes"/>:
    /// past it the enumeration throws <see cref="InvalidDataException"/>. Unreadable lines are counted and
    /// described in <paramref name="stats"/>, never fatal. The stream is read from its current position and left open.
    /// </summary>
    public static IEnumerable<IdsEvent> Read(Stream input, IdsFormat? format, IdsReadStats stats, IdsReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(stats);
        options ??= new IdsReadOptions();
        options.Validate();
        if (format is { } named && !Enum.IsDefined(named))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "not an IDS log format");
        }

        return ReadLines(input, format, stats, options);
    }

    private static IEnumerable<IdsEvent> ReadLines(Stream input, IdsFormat? format, IdsReadStats stats, IdsReadOptions options)
    {
        using var lines = new LineSource(input, options);
        if (format is null)
        {
            var head = lines.Peek(DetectBytes);
            format = Detect(head);
            if (format is null)
            {
                if (head.IndexOfAnyExcept(" \t\r\n"u8) < 0)
                {
                    yield break;
                }

                throw new InvalidDataException(
                    "not a Snort, Suricata or Zeek log: no Snort/Suricata fast line, Suricata EVE or Zeek JSON object, or Zeek #fields header at the start.");
            }
        }

        stats.Format = format;
        LineParser parser = format switch
        {
            IdsFormat.SnortFast => new FastLineParser(IdsSensor.Snort, stats, options),
            IdsFormat.SuricataFast => new FastLineParser(IdsSensor.Suricata, stats, options),
            IdsFormat.SuricataEve => new EveLineParser(stats, options),
            IdsFormat.ZeekTsv => new ZeekTsvParser(stats, options),
            _ => new ZeekJsonParser(stats, options),
        };

        while (true)
        {
            var kind = lines.Next();
            if (kind == LineKind.End)
            {
                break;
            }

            IdsEvent? read = null;
            if (kind == LineKind.TooLong)
            {
                stats.Lines++;
                stats.AddUnreadable(lines.LineNumber, $"line longer than {options.MaxLineBytes:N0} bytes");
            }
            else
            {
                read = parser.Read(lines.Line, lines.LineNumber);
            }

            stats.ConsumedBytes = lines.ConsumedBytes;
            if (read is not null)
            {
                yield return read;
            }
        }
    }

    private static IdsFormat? DetectJson(ReadOnlySpan<byte> line, bool partial)
    {
        bool eventType = false, timestamp = false, sourceIp = false, flowId = false, ts = false, zeekKey = false;
        var reader = new Utf8JsonReader(line, isFinalBlock: !partial, new JsonReaderState(new JsonReaderOptions { MaxDepth = JsonLineParser.MaxDepth }));
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                eventType |= reader.ValueTextEquals("event_type"u8);
                timestamp |= reader.ValueTextEquals("timestamp"u8);
                sourceIp |= reader.ValueTextEquals("src_ip"u8);
                flowId |= reader.ValueTextEquals("flow_id"u8);
                ts |= reader.ValueTextEquals("ts"u8);
                zeekKey |= reader.ValueTextEquals("id.orig_h"u8) || reader.ValueTextEquals("uid"u8)
                    || reader.ValueTextEquals("_path"u8) || reader.ValueTextEquals("note"u8);
                if (eventType || (timestamp && (sourceIp || flowId)))
                {
                    return IdsFormat.SuricataEve;
                }

                if (ts && zeekKey)
                {
                    return IdsFormat.ZeekJson;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    private static IdsFormat? DetectFast(ReadOnlySpan<byte> line, bool partial)
    {
        // MM/dd, then /yy or /yyyy or nothing, then -HH:mm:ss.
        if (line.Length < 14 || line[2] != '/' || !IsDigits(line[..2]) || !IsDigits(line.Slice(3, 2)))
        {
            return null;
        }

        var yearDigits = 0;
        if (line[5] == '/')
        {
            yearDigits = line[6..].IndexOf((byte)'-');
            if (yearDigits is not (2 or 4) || !IsDigits(line.Slice(6, yearDigits)))
            {
                return null;
            }
        }

        var time = line[(yearDigits == 0 ? 5 : 6 + yearDigits)..];
        if (time.Length < 9 || time[0] != '-' || time[3] != ':' || time[6] != ':' || !IsDigits(time.Slice(1, 2)))
        {
            return null;
        }

        if (line.IndexOf("[**]"u8) < 0 && !partial)
        {
            return null;
        }

        return yearDigits == 4 ? IdsFormat.SuricataFast : IdsFormat.SnortFast;
    }

    private static bool IsDigits(ReadOnlySpan<byte> text) => text.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;

    /// <summary>The first bytes a gzip head inflates to, as far as the head goes.</summary>
    private static byte[] InflateHead(ReadOnlySpan<byte> head)
    {
        var output = new byte[DetectBytes];
        var length = 0;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(head.ToArray(), writable: false), CompressionMode.Decompress);
            int read;
            while (length < output.Length && (read = gzip.Read(output, length, output.Length - length)) > 0)
            {
                length += read;
            }
        }
        catch (InvalidDataException)
        {
            // A head cut short ends the stream early; what came out before is enough to look at.
        }

        return output[..length];
    }
}
