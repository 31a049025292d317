using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace DmarcSecurity.Core.Ids;

/// <summary>
/// Suricata EVE JSON: <c>event_type</c> "alert" becomes an alert; every other type is skipped, counted by type, as
/// soon as its type is seen (Suricata writes it among the first members, so a long stats or flow record costs little).
/// </summary>
internal sealed class EveLineParser(IdsReadStats stats, IdsReadOptions options) : JsonLineParser(stats, options)
{
    private const int MaxEventTypes = 64;

    private readonly List<(byte[] Type, string Reason)> _skipReasons = [];

    protected override IdsEvent? ReadObject(ref Utf8JsonReader reader, out string? error)
    {
        ReadOnlySpan<byte> timestamp = default, sourceIp = default, destinationIp = default, protocol = default;
        ReadOnlySpan<byte> signature = default, category = default, action = default;
        int? sourcePort = null, destinationPort = null;
        long gid = 1, signatureId = -1, revision = 0, severity = 0;
        var isAlert = false;
        var hasAlert = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Text(ref reader);
            reader.Read();
            switch (name.Length)
            {
                case 10 when name.SequenceEqual("event_type"u8):
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        error = "event_type is not a string";
                        return null;
                    }

                    var type = Text(ref reader);
                    if (!type.SequenceEqual("alert"u8))
                    {
                        Stats.AddSkipped(SkipReason(type));
                        error = null;
                        return null;
                    }

                    isAlert = true;
                    break;
                case 9 when name.SequenceEqual("timestamp"u8):
                    if (!TryString(ref reader, out timestamp, out error, "timestamp"))
                    {
                        return null;
                    }

                    break;
                case 6 when name.SequenceEqual("src_ip"u8):
                    if (!TryString(ref reader, out sourceIp, out error, "src_ip"))
                    {
                        return null;
                    }

                    break;
                case 7 when name.SequenceEqual("dest_ip"u8):
                    if (!TryString(ref reader, out destinationIp, out error, "dest_ip"))
                    {
                        return null;
                    }

                    break;
                case 8 when name.SequenceEqual("src_port"u8):
                    if (!TryPort(ref reader, out sourcePort, out error, "src_port"))
                    {
                        return null;
                    }

                    break;
                case 9 when name.SequenceEqual("dest_port"u8):
                    if (!TryPort(ref reader, out destinationPort, out error, "dest_port"))
                    {
                        return null;
                    }

                    break;
                case 5 when name.SequenceEqual("proto"u8):
                    if (!TryString(ref reader, out protocol, out error, "proto"))
                    {
                        return null;
                    }

                    break;
                case 5 when name.SequenceEqual("alert"u8):
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        error = "alert is not an object";
                        return null;
                    }

                    hasAlert = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var field = Text(ref reader);
                        reader.Read();
                        var ok = field switch
                        {
                            _ when field.SequenceEqual("signature"u8) => TryString(ref reader, out signature, out error, "alert.signature"),
                            _ when field.SequenceEqual("signature_id"u8) => TryNumber(ref reader, out signatureId, out error, "alert.signature_id"),
                            _ when field.SequenceEqual("gid"u8) => TryNumber(ref reader, out gid, out error, "alert.gid"),
                            _ when field.SequenceEqual("rev"u8) => TryNumber(ref reader, out revision, out error, "alert.rev"),
                            _ when field.SequenceEqual("category"u8) => TryString(ref reader, out category, out error, "alert.category"),
                            _ when field.SequenceEqual("severity"u8) => TryNumber(ref reader, out severity, out error, "alert.severity"),
                            _ when field.SequenceEqual("action"u8) => TryString(ref reader, out action, out error, "alert.action"),
                            _ => Skip(ref reader, out error),
                        };
                        if (!ok)
                        {
                            return null;
                        }
                    }

                    break;
                default:
                    SkipValue(ref reader);
                    break;
            }
        }

        if (!isAlert)
        {
            error = "no event_type";
            return null;
        }

        if (!hasAlert || signature.IsEmpty)
        {
            error = "alert without alert.signature";
            return null;
        }

        if (!IdsText.TryReadIsoTime(timestamp, out var at))
        {
            error = $"invalid timestamp: \"{IdsText.Excerpt(timestamp)}\"";
            return null;
        }

        if (!IdsText.TryReadIp(sourceIp, Addresses, out var source))
        {
            error = $"invalid src_ip: \"{IdsText.Excerpt(sourceIp)}\"";
            return null;
        }

        string? destination = null;
        if (!destinationIp.IsEmpty && !IdsText.TryReadIp(destinationIp, Addresses, out destination))
        {
            error = $"invalid dest_ip: \"{IdsText.Excerpt(destinationIp)}\"";
            return null;
        }

        if (!IdsText.TryReadPriority(severity, out var priority))
        {
            error = $"alert.severity out of range: {severity}";
            return null;
        }

        string? id = null;
        if (signatureId >= 0)
        {
            if (gid is < 0 or > uint.MaxValue || signatureId > uint.MaxValue || revision is < 0 or > uint.MaxValue)
            {
                error = "alert gid, signature_id or rev out of range";
                return null;
            }

            Span<byte> idText = stackalloc byte[32];
            Utf8.TryWrite(idText, $"{gid}:{signatureId}:{revision}", out var written);
            id = Values.Get(idText[..written]);
        }

        error = null;
        return new IdsEvent(
            IdsEventKind.Alert,
            IdsSensor.Suricata,
            at,
            source,
            sourcePort,
            destination,
            destinationPort,
            protocol.IsEmpty ? null : Values.GetUpper(protocol),
            Values.Get(signature),
            id,
            category.IsEmpty ? null : Values.Get(category),
            priority,
            action.IsEmpty ? null : Values.Get(action));
    }

    private string SkipReason(ReadOnlySpan<byte> type)
    {
        foreach (var (known, reason) in _skipReasons)
        {
            if (type.SequenceEqual(known))
            {
                return reason;
            }
        }

        var plain = type.Length is > 0 and <= 32 && type.IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789_-."u8) < 0;
        if (!plain || _skipReasons.Count >= MaxEventTypes)
        {
            return "event_type (other)";
        }

        var text = "event_type " + Encoding.ASCII.GetString(type);
        _skipReasons.Add((type.ToArray(), text));
        return text;
    }

    private bool TryString(scoped ref Utf8JsonReader reader, out ReadOnlySpan<byte> value, out string? error, string name)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            value = Text(ref reader);
            error = null;
            return true;
        }

        value = default;
        if (reader.TokenType == JsonTokenType.Null)
        {
            error = null;
            return true;
        }

        error = $"{name} is not a string";
        return false;
    }

    private static bool TryNumber(ref Utf8JsonReader reader, out long value, out string? error, string name)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value))
        {
            error = null;
            return true;
        }

        value = 0;
        error = $"{name} is not an integer";
        return false;
    }

    private static bool TryPort(ref Utf8JsonReader reader, out int? port, out string? error, string name)
    {
        port = null;
        if (!TryNumber(ref reader, out var value, out error, name))
        {
            return false;
        }

        if (value is < 0 or > 65535)
        {
            error = $"{name} out of range: {value}";
            return false;
        }

        port = (int)value;
        return true;
    }

    private static bool Skip(ref Utf8JsonReader reader, out string? error)
    {
        SkipValue(ref reader);
        error = null;
        return true;
    }
}
