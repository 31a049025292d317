namespace DmarcSecurity.Core.Ids;

/// <summary>
/// Snort 2 and 3 <c>alert_fast</c> and Suricata <c>fast.log</c>:
/// <c>time [action] [**] [gid:sid:rev] &lt;iface&gt; msg [**] [Classification: c] [Priority: p] [AppID: a] {PROTO} src[:port] -> dst[:port]</c>.
/// Everything between the time and the first [**] is the action; every bracket after the second [**] is optional.
/// </summary>
internal sealed class FastLineParser(IdsSensor sensor, IdsReadStats stats, IdsReadOptions options) : LineParser(stats, options)
{
    private readonly DateTimeOffset _latest = options.Now.AddDays(1);
    private readonly int _localYear = options.Now.ToOffset(options.SensorOffset).Year;

    protected override IdsEvent? ReadLine(ReadOnlySpan<byte> line, out string? error)
    {
        if (!TryReadTime(line, out var at, out var timeLength))
        {
            error = $"no valid alert time at the start: \"{IdsText.Excerpt(line[..Math.Min(line.Length, 26)])}\"";
            return null;
        }

        var rest = line[timeLength..];
        var marker = rest.IndexOf("[**]"u8);
        var last = rest.LastIndexOf("[**]"u8);
        if (marker < 0 || last == marker)
        {
            error = "no [**] ... [**] around the signature";
            return null;
        }

        var action = ReadAction(IdsText.Trim(rest[..marker]));
        var signature = IdsText.Trim(rest[(marker + 4)..last]);
        if (signature.IsEmpty || signature[0] != '[' || signature.IndexOf((byte)']') is var close && close < 0
            || !IsSignatureId(signature[1..close]))
        {
            error = "no [gid:sid:rev] after [**]";
            return null;
        }

        var signatureId = Values.Get(signature[1..close]);
        var message = IdsText.Trim(signature[(close + 1)..]);
        if (message.Length > 0 && message[0] == '<' && message.IndexOf((byte)'>') is var iface and > 0)
        {
            // Snort's alert_with_interface_name: "<eth0>" before the message.
            message = IdsText.Trim(message[(iface + 1)..]);
        }

        if (message.Length >= 2 && message[0] == '"' && message[^1] == '"')
        {
            message = message[1..^1];
        }

        string? classification = null;
        int? priority = null;
        var tail = IdsText.Trim(rest[(last + 4)..]);
        while (tail.Length > 0 && tail[0] == '[')
        {
            var end = tail.IndexOf((byte)']');
            if (end < 0)
            {
                error = "unclosed [ after the signature";
                return null;
            }

            var field = tail[1..end];
            if (field.StartsWith("Classification:"u8))
            {
                var value = IdsText.Trim(field["Classification:"u8.Length..]);
                classification = value.IsEmpty || value.SequenceEqual("(null)"u8) ? null : Values.Get(value);
            }
            else if (field.StartsWith("Priority:"u8))
            {
                if (!IdsText.TryReadUInt(IdsText.Trim(field["Priority:"u8.Length..]), out var value)
                    || !IdsText.TryReadPriority(value, out priority))
                {
                    error = $"priority out of range: \"{IdsText.Excerpt(field)}\"";
                    return null;
                }
            }

            tail = IdsText.Trim(tail[(end + 1)..]);
        }

        if (tail.Length == 0 || tail[0] != '{' || tail.IndexOf((byte)'}') is var protoEnd && protoEnd < 0)
        {
            error = "no {PROTOCOL} before the addresses";
            return null;
        }

        var protocol = tail[1..protoEnd];
        var addresses = IdsText.Trim(tail[(protoEnd + 1)..]);
        var arrow = addresses.IndexOf(" -> "u8);
        if (arrow < 0)
        {
            error = "no \"source -> destination\" addresses";
            return null;
        }

        // Suricata always writes ports (ICMP type and code in their place); Snort writes them for TCP and UDP only.
        var portsExpected = sensor == IdsSensor.Suricata || protocol.SequenceEqual("TCP"u8) || protocol.SequenceEqual("UDP"u8);
        if (!TryReadEndpoint(IdsText.Trim(addresses[..arrow]), portsExpected, out var source, out var sourcePort))
        {
            error = $"invalid source address: \"{IdsText.Excerpt(addresses[..arrow])}\"";
            return null;
        }

        if (!TryReadEndpoint(IdsText.Trim(addresses[(arrow + 4)..]), portsExpected, out var destination, out var destinationPort))
        {
            error = $"invalid destination address: \"{IdsText.Excerpt(addresses[(arrow + 4)..])}\"";
            return null;
        }

        if (IdsText.IsIcmp(protocol))
        {
            sourcePort = destinationPort = null;
        }

        error = null;
        return new IdsEvent(
            IdsEventKind.Alert,
            sensor,
            at,
            source,
            sourcePort,
            destination,
            destinationPort,
            protocol.IsEmpty ? null : Values.GetUpper(protocol),
            Values.Get(message),
            signatureId,
            classification,
            priority,
            action);
    }

    /// <summary>[Drop], [wDrop] (Suricata, Snort 2), [drop], [would drop], "would drop" (Snort 3), or nothing.</summary>
    private string? ReadAction(ReadOnlySpan<byte> text)
    {
        if (text.Length >= 2 && ((text[0] == '[' && text[^1] == ']') || (text[0] == '"' && text[^1] == '"')))
        {
            text = IdsText.Trim(text[1..^1]);
        }

        return text.IsEmpty ? null : Values.Get(text);
    }

    private static bool IsSignatureId(ReadOnlySpan<byte> text)
    {
        for (var part = 0; part < 3; part++)
        {
            var colon = text.IndexOf((byte)':');
            if ((colon < 0) != (part == 2))
            {
                return false;
            }

            if (!IdsText.TryReadUInt(colon < 0 ? text : text[..colon], out var value) || value > uint.MaxValue)
            {
                return false;
            }

            text = colon < 0 ? default : text[(colon + 1)..];
        }

        return true;
    }

    /// <summary>
    /// <c>1.2.3.4:80</c>, <c>1.2.3.4</c>, <c>[2001:db8::1]:443</c>, or IPv6 bare as Snort and Suricata write it,
    /// <c>2001:db8::1:443</c>, where only the protocol says whether the last group is a port.
    /// </summary>
    private bool TryReadEndpoint(ReadOnlySpan<byte> text, bool portsExpected, out string address, out int? port)
    {
        port = null;
        if (text.Length > 0 && text[0] == '[')
        {
            var close = text.IndexOf((byte)']');
            if (close < 0 || !IdsText.TryReadIp(text[1..close], Addresses, out address))
            {
                address = string.Empty;
                return false;
            }

            var after = text[(close + 1)..];
            if (after.IsEmpty)
            {
                return true;
            }

            if (after[0] != ':' || !IdsText.TryReadPort(after[1..], out var value))
            {
                return false;
            }

            port = value;
            return true;
        }

        var colon = text.LastIndexOf((byte)':');
        var ipv6 = colon >= 0 && text[..colon].IndexOf((byte)':') >= 0;
        if (colon >= 0 && !ipv6)
        {
            if (!IdsText.TryReadPort(text[(colon + 1)..], out var value) || !IdsText.TryReadIp(text[..colon], Addresses, out address))
            {
                address = string.Empty;
                return false;
            }

            port = value;
            return true;
        }

        if (ipv6 && portsExpected && IdsText.TryReadPort(text[(colon + 1)..], out var ipv6Port)
            && IdsText.TryReadIp(text[..colon], Addresses, out address))
        {
            port = ipv6Port;
            return true;
        }

        return IdsText.TryReadIp(text, Addresses, out address);
    }

    /// <summary><c>MM/dd-HH:mm:ss.ffffff</c>, with <c>/yy</c> (Snort -y) or <c>/yyyy</c> (Suricata) after the day.</summary>
    private bool TryReadTime(ReadOnlySpan<byte> line, out DateTimeOffset at, out int length)
    {
        at = default;
        length = 0;
        if (line.Length < 14 || line[2] != '/' || !TryTwoDigits(line, 0, out var month) || !TryTwoDigits(line, 3, out var day))
        {
            return false;
        }

        var position = 5;
        var year = -1;
        if (line[5] == '/')
        {
            var dash = line[6..].IndexOf((byte)'-');
            if (dash is not (2 or 4) || !IdsText.TryReadUInt(line.Slice(6, dash), out var written))
            {
                return false;
            }

            year = dash == 2 ? 2000 + (int)written : (int)written;
            position = 6 + dash;
        }

        if (line.Length < position + 9 || line[position] != '-' || line[position + 3] != ':' || line[position + 6] != ':'
            || !TryTwoDigits(line, position + 1, out var hour) || !TryTwoDigits(line, position + 4, out var minute)
            || !TryTwoDigits(line, position + 7, out var second))
        {
            return false;
        }

        position += 9;
        long ticks = 0;
        if (position < line.Length && line[position] == '.')
        {
            var digits = line[(position + 1)..];
            var end = digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
            end = end < 0 ? digits.Length : end;
            if (!IdsText.TryReadFractionTicks(digits[..end], out ticks))
            {
                return false;
            }

            position += 1 + end;
        }

        length = position;
        if (year >= 0)
        {
            return IdsText.TryMakeTime(year, month, day, hour, minute, second, ticks, Options.SensorOffset, out at);
        }

        // No year: the latest year (going back past non-leap years for 29 February) not after now plus a day.
        for (var candidate = _localYear + 1; candidate >= _localYear - 8; candidate--)
        {
            if (IdsText.TryMakeTime(candidate, month, day, hour, minute, second, ticks, Options.SensorOffset, out at) && at <= _latest)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryTwoDigits(ReadOnlySpan<byte> line, int at, out int value)
    {
        int tens = line[at] - '0', units = line[at + 1] - '0';
        value = (tens * 10) + units;
        return (uint)tens <= 9 && (uint)units <= 9;
    }
}
