using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace DmarcSecurity.Grains.Settings;

/// <summary>Address and CIDR parsing shared by allowlists, reputation lists and suppressions.</summary>
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

    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text is null || !IPAddress.TryParse(text.Trim(), out var parsed))
        {
            return false;
        }

        address = Normalize(parsed);
        return true;
    }

    /// <summary>The address in its canonical text, or the trimmed input when it is not an address.</summary>
    public static string Canonical(string text) => TryParseAddress(text, out var address) ? address.ToString() : text.Trim();

    /// <summary>Accepts "192.0.2.1", "192.0.2.0/24", "2001:db8::/32". Host bits are cleared rather than refused
    /// ("192.0.2.7/24" is 192.0.2.0/24), because people type an address of the block.</summary>
    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var slash = text.IndexOf('/');
        if (!TryParseAddress(slash < 0 ? text : text[..slash], out var address))
        {
            return false;
        }

        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..].Trim(), out prefix) || prefix < 0 || prefix > max))
        {
            return false;
        }

        network = Block(address, prefix);
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
