using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DmarcSecurity.Core.Ids;

/// <summary>Reading the small pieces every format shares: addresses, ports, times, and quoting bad input safely.</summary>
internal static class IdsText
{
    private const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    /// <summary>
    /// A strict address reader: IPv4 only as four decimal octets without leading zeros (IPAddress.TryParse also takes
    /// "1", "0x7f.1" or octal parts, which no sensor writes), IPv6 without a zone. The canonical text is cached.
    /// </summary>
    public static bool TryReadIp(ReadOnlySpan<byte> text, Utf8Cache cache, out string canonical)
    {
        if (cache.TryGet(text, out canonical))
        {
            return true;
        }

        if (text.Length is 0 or > 45)
        {
            return false;
        }

        if (text.IndexOf((byte)':') < 0)
        {
            if (!IsDottedQuad(text))
            {
                return false;
            }

            canonical = Encoding.ASCII.GetString(text);
        }
        else
        {
            if (text.IndexOfAnyExcept("0123456789abcdefABCDEF:."u8) >= 0)
            {
                return false;
            }

            Span<char> chars = stackalloc char[text.Length];
            for (var i = 0; i < text.Length; i++)
            {
                chars[i] = (char)text[i];
            }

            if (!IPAddress.TryParse(chars, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            canonical = address.ToString();
        }

        cache.Add(text, canonical);
        return true;
    }

    private static bool IsDottedQuad(ReadOnlySpan<byte> text)
    {
        var parts = 0;
        while (true)
        {
            var dot = text.IndexOf((byte)'.');
            var part = dot < 0 ? text : text[..dot];
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || !TryReadUInt(part, out var value) || value > 255)
            {
                return false;
            }

            parts++;
            if (dot < 0)
            {
                return parts == 4;
            }

            text = text[(dot + 1)..];
        }
    }

    /// <summary>Unsigned decimal digits only, up to 18 of them.</summary>
    public static bool TryReadUInt(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 18)
        {
            return false;
        }

        foreach (var c in text)
        {
            var digit = c - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    public static bool TryReadPort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        if (!TryReadUInt(text, out var value) || value > 65535)
        {
            return false;
        }

        port = (int)value;
        return true;
    }

    /// <summary>
    /// Priority as the sensors write it: 0 means none given (Snort 3 writes <c>[Priority: 0]</c> for rules without
    /// one); rules may set up to 255; anything else is not a priority.
    /// </summary>
    public static bool TryReadPriority(long value, out int? priority)
    {
        priority = value switch
        {
            0 => null,
            >= 1 and <= 255 => (int)value,
            _ => -1,
        };
        return priority != -1;
    }

    /// <summary>Epoch seconds with an optional fraction (Zeek's <c>ts</c>).</summary>
    public static bool TryReadEpoch(ReadOnlySpan<byte> text, out DateTimeOffset at)
    {
        at = default;
        var dot = text.IndexOf((byte)'.');
        var whole = dot < 0 ? text : text[..dot];
        if (!TryReadUInt(whole, out var seconds) || seconds > MaxUnixSeconds)
        {
            return false;
        }

        long ticks = 0;
        if (dot >= 0 && !TryReadFractionTicks(text[(dot + 1)..], out ticks))
        {
            return false;
        }

        at = DateTimeOffset.UnixEpoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + ticks);
        return true;
    }

    /// <summary>Decimal fraction digits as 100 ns ticks (digits past the seventh are dropped).</summary>
    public static bool TryReadFractionTicks(ReadOnlySpan<byte> digits, out long ticks)
    {
        ticks = 0;
        if (digits.IsEmpty || digits.Length > 12)
        {
            return false;
        }

        var scale = 1_000_000L;
        foreach (var c in digits)
        {
            var digit = c - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            ticks += digit * scale;
            scale /= 10;
        }

        return true;
    }

    /// <summary>
    /// ISO 8601 as Suricata and Zeek write it: <c>2026-12-06T14:03:22.123456+0000</c>, <c>+00:00</c> or <c>Z</c>.
    /// </summary>
    public static bool TryReadIsoTime(ReadOnlySpan<byte> text, out DateTimeOffset at)
    {
        at = default;
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ')
            || text[13] != ':' || text[16] != ':'
            || !TryReadUInt(text[..4], out var year) || !TryReadUInt(text.Slice(5, 2), out var month)
            || !TryReadUInt(text.Slice(8, 2), out var day) || !TryReadUInt(text.Slice(11, 2), out var hour)
            || !TryReadUInt(text.Slice(14, 2), out var minute) || !TryReadUInt(text.Slice(17, 2), out var second))
        {
            return false;
        }

        var rest = text[19..];
        long ticks = 0;
        if (!rest.IsEmpty && rest[0] == '.')
        {
            var end = rest[1..].IndexOfAnyExceptInRange((byte)'0', (byte)'9');
            end = end < 0 ? rest.Length - 1 : end;
            if (!TryReadFractionTicks(rest.Slice(1, end), out ticks))
            {
                return false;
            }

            rest = rest[(end + 1)..];
        }

        TimeSpan offset;
        if (rest.Length == 1 && rest[0] == 'Z')
        {
            offset = TimeSpan.Zero;
        }
        else if (rest.Length is 5 or 6 && (rest[0] == '+' || rest[0] == '-')
            && TryReadUInt(rest.Slice(1, 2), out var offsetHours)
            && TryReadUInt(rest.Length == 5 ? rest.Slice(3, 2) : rest.Slice(4, 2), out var offsetMinutes)
            && (rest.Length == 5 || rest[3] == ':') && offsetHours <= 14 && offsetMinutes < 60)
        {
            offset = new TimeSpan((int)offsetHours, (int)offsetMinutes, 0);
            offset = rest[0] == '-' ? -offset : offset;
        }
        else
        {
            return false;
        }

        return TryMakeTime((int)year, (int)month, (int)day, (int)hour, (int)minute, (int)second, ticks, offset, out at);
    }

    /// <summary>A local time at <paramref name="offset"/>, as UTC; false when it names no real instant.</summary>
    public static bool TryMakeTime(int year, int month, int day, int hour, int minute, int second, long ticks, TimeSpan offset, out DateTimeOffset at)
    {
        at = default;
        if (year is < 1970 or > 9998 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 60 || offset.Duration() > TimeSpan.FromHours(14))
        {
            return false;
        }

        // A leap second (:60) is written by some sensors; it is the same instant as :59 for our purposes.
        var local = new DateTime(year, month, day, hour, minute, Math.Min(second, 59), DateTimeKind.Unspecified).AddTicks(ticks);
        at = new DateTimeOffset(local, offset).ToUniversalTime();
        return true;
    }

    /// <summary>A short excerpt of untrusted bytes fit to quote in a reason: printable ASCII, at most 60 characters.</summary>
    public static string Excerpt(ReadOnlySpan<byte> value)
    {
        const int Max = 60;
        var builder = new StringBuilder(Math.Min(value.Length, Max) + 3);
        foreach (var c in value[..Math.Min(value.Length, Max)])
        {
            builder.Append(c is >= 0x20 and < 0x7F ? (char)c : '?');
        }

        if (value.Length > Max)
        {
            builder.Append("...");
        }

        return builder.ToString();
    }

    /// <summary>
    /// ICMP has no ports: Suricata's fast log and Zeek's conn.log write the ICMP type and code in their place, which
    /// are not kept as ports.
    /// </summary>
    public static bool IsIcmp(ReadOnlySpan<byte> protocol) =>
        protocol.Length >= 4 && protocol[^4..] is var end && (end[0] | 0x20) == 'i' && (end[1] | 0x20) == 'c'
        && (end[2] | 0x20) == 'm' && (end[3] | 0x20) == 'p';

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> text)
    {
        var start = text.IndexOfAnyExcept(" \t"u8);
        if (start < 0)
        {
            return default;
        }

        var end = text.LastIndexOfAnyExcept(" \t"u8);
        return text[start..(end + 1)];
    }
}
