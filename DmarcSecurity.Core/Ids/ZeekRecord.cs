namespace DmarcSecurity.Core.Ids;

internal enum ZeekLog
{
    /// <summary>Not known yet: told from the fields present.</summary>
    Unknown,
    Conn,
    Notice,
    Other,
}

/// <summary>The fields of one Zeek conn or notice record that make an event; empty when unset.</summary>
internal ref struct ZeekRecord
{
    public ReadOnlySpan<byte> Ts;
    public bool TsIsIso;
    public ReadOnlySpan<byte> OrigH;
    public ReadOnlySpan<byte> OrigP;
    public ReadOnlySpan<byte> RespH;
    public ReadOnlySpan<byte> RespP;
    public ReadOnlySpan<byte> Proto;
    public ReadOnlySpan<byte> ConnState;
    public ReadOnlySpan<byte> Note;
    public ReadOnlySpan<byte> Msg;
    public ReadOnlySpan<byte> Src;
    public ReadOnlySpan<byte> Dst;
    public ReadOnlySpan<byte> P;
}

/// <summary>Turns a Zeek record, from the TSV or the JSON writer, into an event.</summary>
internal static class ZeekEvents
{
    public const string NoticeWithoutAddress = "notice without source address";

    /// <summary>The log a record comes from, by the fields its header or object has.</summary>
    public static ZeekLog FromFields(bool hasConnState, bool hasNote) =>
        hasNote ? ZeekLog.Notice : hasConnState ? ZeekLog.Conn : ZeekLog.Unknown;

    public static ZeekLog FromPath(ReadOnlySpan<byte> path) =>
        path.SequenceEqual("conn"u8) ? ZeekLog.Conn : path.SequenceEqual("notice"u8) ? ZeekLog.Notice : ZeekLog.Other;

    /// <summary>
    /// An event, or null with an error for an unreadable record, or null without one for a notice that names no
    /// address (capture loss, a weird): read, but not about a source.
    /// </summary>
    public static IdsEvent? Build(scoped in ZeekRecord record, ZeekLog log, Utf8Cache values, Utf8Cache addresses, out string? error)
    {
        DateTimeOffset at;
        if (record.TsIsIso ? !IdsText.TryReadIsoTime(record.Ts, out at) : !IdsText.TryReadEpoch(record.Ts, out at))
        {
            error = $"invalid ts: \"{IdsText.Excerpt(record.Ts)}\"";
            return null;
        }

        var notice = log == ZeekLog.Notice;
        var sourceText = notice && !record.Src.IsEmpty ? record.Src : record.OrigH;
        if (sourceText.IsEmpty)
        {
            error = notice ? null : "no id.orig_h";
            return null;
        }

        if (!IdsText.TryReadIp(sourceText, addresses, out var source))
        {
            error = $"invalid source address: \"{IdsText.Excerpt(sourceText)}\"";
            return null;
        }

        var destinationText = notice && !record.Dst.IsEmpty ? record.Dst : record.RespH;
        string? destination = null;
        if (!destinationText.IsEmpty && !IdsText.TryReadIp(destinationText, addresses, out destination))
        {
            error = $"invalid destination address: \"{IdsText.Excerpt(destinationText)}\"";
            return null;
        }

        if (!TryPort(record.OrigP, out var sourcePort)
            || !TryPort(notice && !record.P.IsEmpty ? record.P : record.RespP, out var destinationPort))
        {
            error = "port out of range";
            return null;
        }

        if (IdsText.IsIcmp(record.Proto))
        {
            sourcePort = destinationPort = null;
        }

        string signature;
        string? signatureId = null;
        if (notice)
        {
            if (record.Note.IsEmpty)
            {
                error = "notice without note";
                return null;
            }

            signatureId = values.Get(record.Note);
            signature = record.Msg.IsEmpty ? signatureId : $"{signatureId}: {values.Get(record.Msg)}";
        }
        else
        {
            if (record.ConnState.IsEmpty)
            {
                error = "conn record without conn_state";
                return null;
            }

            signature = values.Get(record.ConnState);
        }

        error = null;
        return new IdsEvent(
            notice ? IdsEventKind.Notice : IdsEventKind.Connection,
            IdsSensor.Zeek,
            at,
            source,
            sourcePort,
            destination,
            destinationPort,
            record.Proto.IsEmpty ? null : values.GetUpper(record.Proto),
            signature,
            signatureId,
            Classification: null,
            Priority: null,
            Action: null);
    }

    private static bool TryPort(ReadOnlySpan<byte> text, out int? port)
    {
        port = null;
        if (text.IsEmpty)
        {
            return true;
        }

        if (!IdsText.TryReadPort(text, out var value))
        {
            return false;
        }

        port = value;
        return true;
    }
}
