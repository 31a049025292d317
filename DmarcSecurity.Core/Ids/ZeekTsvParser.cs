using System.Text;

namespace DmarcSecurity.Core.Ids;

/// <summary>
/// Zeek's tab-separated logs, read by their header: <c>#separator</c>, <c>#set_separator</c>, <c>#empty_field</c>,
/// <c>#unset_field</c>, <c>#path</c> and <c>#fields</c> (<c>#types</c>, <c>#open</c>, <c>#close</c> are not needed).
/// conn and notice records become events; other logs' records are skipped, counted under their path. Several logs
/// concatenated (each with its header) read as such.
/// </summary>
internal sealed class ZeekTsvParser : LineParser
{
    private const int MaxFields = 1024;
    private const int MaxFieldName = 128;

    private byte _separator = (byte)'\t';
    private byte[] _unset = "-"u8.ToArray();
    private byte[] _empty = "(empty)"u8.ToArray();
    private ZeekLog _pathLog = ZeekLog.Unknown;
    private string? _otherPath;
    private ZeekLog _log = ZeekLog.Unknown;
    private string[]? _fields;
    private int[] _columns = [];
    private byte[] _scratch = new byte[256];

    // Column of each field used, or -1.
    private int _ts = -1, _origH = -1, _origP = -1, _respH = -1, _respP = -1, _proto = -1, _connState = -1,
        _note = -1, _msg = -1, _src = -1, _dst = -1, _p = -1;

    public ZeekTsvParser(IdsReadStats stats, IdsReadOptions options)
        : base(stats, options)
    {
        if (options.ZeekFields is { Count: > 0 } fields)
        {
            UseFields([.. fields]);
        }

        stats.ZeekFields = options.ZeekFields;
    }

    protected override bool ReadComment(ReadOnlySpan<byte> line, long number)
    {
        // The separator line uses a space: the separator is not known before it.
        if (line.StartsWith("#separator "u8))
        {
            if (!TryUnescapeSingle(IdsText.Trim(line["#separator "u8.Length..]), out var separator))
            {
                Header(number, "#separator is not one character");
                return true;
            }

            // A new log starts (several files concatenated): forget the previous one's header.
            _separator = separator;
            _pathLog = ZeekLog.Unknown;
            _otherPath = null;
            _unset = "-"u8.ToArray();
            _empty = "(empty)"u8.ToArray();
            return true;
        }

        var tab = line.IndexOf(_separator);
        var key = tab < 0 ? line : line[..tab];
        var value = tab < 0 ? default : line[(tab + 1)..];
        if (key.SequenceEqual("#fields"u8))
        {
            ReadFields(value, number);
        }
        else if (key.SequenceEqual("#path"u8))
        {
            _pathLog = ZeekEvents.FromPath(value);
            _otherPath = _pathLog == ZeekLog.Other ? PathReason(value) : null;
            _log = _pathLog;
        }
        else if (key.SequenceEqual("#unset_field"u8))
        {
            _unset = value.ToArray();
        }
        else if (key.SequenceEqual("#empty_field"u8))
        {
            _empty = value.ToArray();
        }

        // #set_separator, #types, #open, #close and unknown directives need nothing.
        return true;
    }

    private void ReadFields(ReadOnlySpan<byte> value, long number)
    {
        var names = new List<string>();
        foreach (var range in value.Split(_separator))
        {
            var name = value[range];
            if (name.IsEmpty || name.Length > MaxFieldName || names.Count >= MaxFields
                || name.IndexOfAnyExceptInRange((byte)'!', (byte)'~') >= 0)
            {
                Header(number, "invalid #fields header");
                return;
            }

            names.Add(Encoding.ASCII.GetString(name));
        }

        UseFields([.. names]);
        Stats.ZeekFields = _fields;
    }

    private void UseFields(string[] fields)
    {
        _fields = fields;
        _columns = new int[fields.Length + 1];
        var index = fields.Select((name, i) => (name, i)).GroupBy(f => f.name).ToDictionary(g => g.Key, g => g.First().i);
        int Of(string name) => index.GetValueOrDefault(name, -1);
        _ts = Of("ts");
        _origH = Of("id.orig_h");
        _origP = Of("id.orig_p");
        _respH = Of("id.resp_h");
        _respP = Of("id.resp_p");
        _proto = Of("proto");
        _connState = Of("conn_state");
        _note = Of("note");
        _msg = Of("msg");
        _src = Of("src");
        _dst = Of("dst");
        _p = Of("p");
        _log = _pathLog != ZeekLog.Unknown ? _pathLog : ZeekEvents.FromFields(_connState >= 0, _note >= 0);
    }

    protected override IdsEvent? ReadLine(ReadOnlySpan<byte> line, out string? error)
    {
        error = null;
        if (_fields is null)
        {
            error = "data before any #fields header";
            return null;
        }

        switch (_log)
        {
            case ZeekLog.Other:
                Stats.AddSkipped(_otherPath!);
                return null;
            case ZeekLog.Unknown:
                Stats.AddSkipped("path unknown");
                return null;
        }

        // Cut the line into columns: _columns[i] is the start of column i, _columns[count] one past the end + 1.
        var count = 0;
        var start = 0;
        while (true)
        {
            if (count == _fields.Length)
            {
                error = $"more than the {_fields.Length} fields of the header";
                return null;
            }

            _columns[count++] = start;
            var next = line[start..].IndexOf(_separator);
            if (next < 0)
            {
                break;
            }

            start += next + 1;
        }

        if (count != _fields.Length)
        {
            error = $"{count} fields where the header has {_fields.Length}";
            return null;
        }

        _columns[count] = line.Length + 1;
        if (_scratch.Length < line.Length)
        {
            _scratch = new byte[line.Length];
        }

        var record = new ZeekRecord
        {
            Ts = Column(line, _ts),
            OrigH = Column(line, _origH),
            OrigP = Column(line, _origP),
            RespH = Column(line, _respH),
            RespP = Column(line, _respP),
            Proto = Column(line, _proto),
            ConnState = Column(line, _connState),
            Note = Column(line, _note),
            Msg = Unescape(Column(line, _msg)),
            Src = Column(line, _src),
            Dst = Column(line, _dst),
            P = Column(line, _p),
        };
        var read = ZeekEvents.Build(record, _log, Values, Addresses, out error);
        if (read is null && error is null)
        {
            Stats.AddSkipped(ZeekEvents.NoticeWithoutAddress);
        }

        return read;
    }

    /// <summary>A column's value; empty when the field is absent, unset or empty.</summary>
    private ReadOnlySpan<byte> Column(ReadOnlySpan<byte> line, int field)
    {
        if (field < 0)
        {
            return default;
        }

        var value = line[_columns[field]..(_columns[field + 1] - 1)];
        return value.SequenceEqual(_unset) || value.SequenceEqual(_empty) ? default : value;
    }

    /// <summary>Zeek writes separators and non-printable bytes in strings as \xHH.</summary>
    private ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> value)
    {
        if (value.IndexOf("\\x"u8) < 0)
        {
            return value;
        }

        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 3 < value.Length && value[i + 1] == 'x'
                && TryHex(value[i + 2], out var high) && TryHex(value[i + 3], out var low))
            {
                var b = (byte)((high << 4) | low);
                _scratch[length++] = b is < 0x20 or 0x7F ? (byte)' ' : b;
                i += 3;
            }
            else
            {
                _scratch[length++] = value[i];
            }
        }

        // Escaped bytes may not form valid UTF-8; the event text must.
        var text = _scratch.AsSpan(0, length);
        return System.Text.Unicode.Utf8.IsValid(text) ? text : value;
    }

    private static bool TryUnescapeSingle(ReadOnlySpan<byte> text, out byte value)
    {
        value = 0;
        if (text.Length == 1)
        {
            value = text[0];
            return true;
        }

        if (text.Length == 4 && text[0] == '\\' && text[1] == 'x' && TryHex(text[2], out var high) && TryHex(text[3], out var low))
        {
            value = (byte)((high << 4) | low);
            return value is not ((byte)'\n' or (byte)'\r' or 0);
        }

        return false;
    }

    private static bool TryHex(byte c, out int value)
    {
        value = c switch
        {
            >= (byte)'0' and <= (byte)'9' => c - '0',
            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }

    private static string PathReason(ReadOnlySpan<byte> path) =>
        path.Length is > 0 and <= 64 && path.IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."u8) < 0
            ? "path " + Encoding.ASCII.GetString(path)
            : "path (other)";

    private void Header(long number, string reason)
    {
        Stats.Lines++;
        Stats.AddUnreadable(number, reason);
    }
}
