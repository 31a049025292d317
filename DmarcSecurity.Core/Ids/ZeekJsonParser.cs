using System.Text;
using System.Text.Json;

namespace DmarcSecurity.Core.Ids;

/// <summary>
/// Zeek's JSON logs (<c>LogAscii::use_json</c>): one flat object per line with dotted keys (<c>id.orig_h</c>),
/// <c>ts</c> as epoch seconds or an ISO 8601 string, and <c>_path</c> when the writer adds it. Without
/// <c>_path</c>, a conn record is told by its <c>conn_state</c> and a notice by its <c>note</c>.
/// </summary>
internal sealed class ZeekJsonParser(IdsReadStats stats, IdsReadOptions options) : JsonLineParser(stats, options)
{
    private readonly List<(byte[] Path, string Reason)> _pathReasons = [];

    protected override IdsEvent? ReadObject(ref Utf8JsonReader reader, out string? error)
    {
        var record = default(ZeekRecord);
        ReadOnlySpan<byte> path = default;
        var hasConnState = false;
        var hasNote = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Text(ref reader);
            reader.Read();
            var ok = true;
            switch (name.Length)
            {
                case 2 when name.SequenceEqual("ts"u8):
                    record.TsIsIso = reader.TokenType == JsonTokenType.String;
                    ok = reader.TokenType is JsonTokenType.Number or JsonTokenType.String;
                    record.Ts = ok ? Text(ref reader) : default;
                    break;
                case 5 when name.SequenceEqual("_path"u8):
                    ok = TryString(ref reader, out path);
                    break;
                case 9 when name.SequenceEqual("id.orig_h"u8):
                    ok = TryString(ref reader, out record.OrigH);
                    break;
                case 9 when name.SequenceEqual("id.resp_h"u8):
                    ok = TryString(ref reader, out record.RespH);
                    break;
                case 9 when name.SequenceEqual("id.orig_p"u8):
                    ok = TryNumber(ref reader, out record.OrigP);
                    break;
                case 9 when name.SequenceEqual("id.resp_p"u8):
                    ok = TryNumber(ref reader, out record.RespP);
                    break;
                case 5 when name.SequenceEqual("proto"u8):
                    ok = TryString(ref reader, out record.Proto);
                    break;
                case 10 when name.SequenceEqual("conn_state"u8):
                    ok = TryString(ref reader, out record.ConnState);
                    hasConnState = true;
                    break;
                case 4 when name.SequenceEqual("note"u8):
                    ok = TryString(ref reader, out record.Note);
                    hasNote = true;
                    break;
                case 3 when name.SequenceEqual("msg"u8):
                    ok = TryString(ref reader, out record.Msg);
                    break;
                case 3 when name.SequenceEqual("src"u8):
                    ok = TryString(ref reader, out record.Src);
                    break;
                case 3 when name.SequenceEqual("dst"u8):
                    ok = TryString(ref reader, out record.Dst);
                    break;
                case 1 when name.SequenceEqual("p"u8):
                    ok = TryNumber(ref reader, out record.P);
                    break;
                default:
                    SkipValue(ref reader);
                    break;
            }

            if (!ok)
            {
                error = $"{Encoding.UTF8.GetString(name[..Math.Min(name.Length, 16)])} has the wrong JSON type";
                return null;
            }
        }

        var log = path.IsEmpty ? ZeekEvents.FromFields(hasConnState, hasNote) : ZeekEvents.FromPath(path);
        if (log is ZeekLog.Other or ZeekLog.Unknown)
        {
            Stats.AddSkipped(log == ZeekLog.Other ? PathReason(path) : "path unknown");
            error = null;
            return null;
        }

        if (record.Ts.IsEmpty)
        {
            error = "no ts";
            return null;
        }

        var read = ZeekEvents.Build(record, log, Values, Addresses, out error);
        if (read is null && error is null)
        {
            Stats.AddSkipped(ZeekEvents.NoticeWithoutAddress);
        }

        return read;
    }

    private bool TryString(scoped ref Utf8JsonReader reader, out ReadOnlySpan<byte> value)
    {
        value = reader.TokenType == JsonTokenType.String ? Text(ref reader) : default;
        return reader.TokenType is JsonTokenType.String or JsonTokenType.Null;
    }

    private static bool TryNumber(scoped ref Utf8JsonReader reader, out ReadOnlySpan<byte> value)
    {
        value = reader.TokenType == JsonTokenType.Number ? reader.ValueSpan : default;
        return reader.TokenType is JsonTokenType.Number or JsonTokenType.Null;
    }

    private string PathReason(ReadOnlySpan<byte> path)
    {
        foreach (var (known, reason) in _pathReasons)
        {
            if (path.SequenceEqual(known))
            {
                return reason;
            }
        }

        var plain = path.Length is > 0 and <= 64 && path.IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."u8) < 0;
        if (!plain || _pathReasons.Count >= IdsReadStats.MaxSkipReasons)
        {
            return "path (other)";
        }

        var text = "path " + Encoding.ASCII.GetString(path);
        _pathReasons.Add((path.ToArray(), text));
        return text;
    }
}
