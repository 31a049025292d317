using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Api.Common;

/// <summary>Addresses and CIDR blocks typed by people, in the canonical text the silo and the database use.</summary>
internal static class NetworkText
{
    /// <summary>An address in its usual form: IPv4 as four dotted decimals (IPAddress.TryParse also takes "10" or
    /// "0x0a.1", which nobody means), or IPv6. IPv4-mapped IPv6 becomes IPv4 and a scope id is dropped, as the
    /// ingestion stores addresses.</summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || !IPAddress.TryParse(trimmed, out var parsed))
        {
            return false;
        }

        if (parsed.AddressFamily == AddressFamily.InterNetwork && parsed.ToString() != trimmed)
        {
            return false;
        }

        address = Normalize(parsed);
        return true;
    }

    /// <summary>An address or a CIDR block, host bits cleared ("192.0.2.7/24" is 192.0.2.0/24, as analysts type an
    /// address of the block). "::ffff:192.0.2.0/120" is the IPv4 block 192.0.2.0/24.</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        var trimmed = text?.Trim() ?? "";
        var slash = trimmed.IndexOf('/');
        var addressText = slash < 0 ? trimmed : trimmed[..slash].TrimEnd();
        if (!IPAddress.TryParse(addressText, out var parsed)
            || (parsed.AddressFamily == AddressFamily.InterNetwork && parsed.ToString() != addressText))
        {
            return false;
        }

        var mapped = parsed.IsIPv4MappedToIPv6;
        var address = Normalize(parsed);
        var (min, max) = mapped ? (96, 128) : (0, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(trimmed[(slash + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
            || prefix < min || prefix > max))
        {
            return false;
        }

        prefix -= mapped ? 96 : 0;
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        network = new IPNetwork(new IPAddress(bytes), prefix);
        return true;
    }

    /// <summary>A single address as the bare address, a block as "network/prefix", so one network has one text.</summary>
    public static string Canonical(IPNetwork network) =>
        network.PrefixLength == (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            ? network.BaseAddress.ToString()
            : network.ToString();

    private static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
        : address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes())
        : address;
}

/// <summary>Domain names as the grains key them: lower-case, no trailing dot, ASCII (IDNs in punycode).</summary>
internal static class DomainName
{
    private const int MaxLength = 253;
    private const int MaxLabel = 63;
    private static readonly IdnMapping s_idn = new();

    public static string Normalise(string text) => text.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>A plausible registrable-or-deeper domain: two labels or more, each 1-63 letters, digits or inner
    /// hyphens, 253 characters at most.</summary>
    public static bool TryNormalise(string? text, [NotNullWhen(true)] out string? domain)
    {
        domain = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string ascii;
        try
        {
            ascii = s_idn.GetAscii(Normalise(text));
        }
        catch (ArgumentException)
        {
            return false;
        }

        var labels = ascii.Split('.');
        if (ascii.Length > MaxLength || labels.Length < 2 || !labels.All(IsLabel))
        {
            return false;
        }

        domain = ascii.ToLowerInvariant();
        return true;
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= MaxLabel && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
