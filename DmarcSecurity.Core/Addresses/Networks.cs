using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Core.Addresses;

/// <summary>Addresses and CIDR blocks in the one form the whole product stores and compares: IPv4-mapped IPv6 is IPv4,
/// scope ids are dropped, host bits under a prefix are cleared.</summary>
public static class Networks
{
    /// <summary>IPv4-mapped IPv6 addresses become IPv4 and scope ids are dropped, so one host has one form.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
    }

    /// <param name="usualFormOnly">Refuse IPv4 written other than as four dotted decimals: IPAddress.TryParse also
    /// takes "10" or "0x0a.1", which nobody typing an address means.</param>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address, bool usualFormOnly = false)
    {
        address = null;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || !IPAddress.TryParse(trimmed, out var parsed)
            || (usualFormOnly && parsed.AddressFamily == AddressFamily.InterNetwork && parsed.ToString() != trimmed))
        {
            return false;
        }

        address = Normalize(parsed);
        return true;
    }

    /// <summary>The address in its canonical text, or the trimmed input when it is not an address.</summary>
    public static string Canonical(string text) => TryParseAddress(text, out var address) ? address.ToString() : text.Trim();

    /// <summary>A single address as the bare address, a block as "network/prefix", so one network has one text.</summary>
    public static string Canonical(IPNetwork network) =>
        network.PrefixLength == (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            ? network.BaseAddress.ToString()
            : network.ToString();

    /// <summary>Accepts "192.0.2.1", "192.0.2.0/24", "2001:db8::/32". Host bits are cleared rather than refused
    /// ("192.0.2.7/24" is 192.0.2.0/24), because people type an address of the block. "::ffff:192.0.2.0/120" is the
    /// IPv4 block 192.0.2.0/24, as stored addresses are IPv4.</summary>
    public static bool TryParse(string? text, out IPNetwork network, bool usualFormOnly = false)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText.Trim(), out var parsed) || !TryParseAddress(addressText, out var address, usualFormOnly))
        {
            return false;
        }

        var mapped = parsed.IsIPv4MappedToIPv6;
        var (min, max) = mapped ? (96, 128) : (0, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
            || prefix < min || prefix > max))
        {
            return false;
        }

        network = Block(address, mapped ? prefix - 96 : prefix);
        return true;
    }

    public static IPNetwork Parse(string text) =>
        TryParse(text, out var network)
            ? network
            : throw new FormatException($"'{text}' is neither an IP address nor a CIDR block.");

    /// <summary>The block of <paramref name="prefixLength"/> bits that holds <paramref name="address"/>.</summary>
    public static IPNetwork Block(IPAddress address, int prefixLength)
    {
        var bytes = Normalize(address).GetAddressBytes();
        for (var bit = prefixLength; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), prefixLength);
    }

    public static bool Contains(IPNetwork network, IPAddress address) => network.Contains(Normalize(address));
}
