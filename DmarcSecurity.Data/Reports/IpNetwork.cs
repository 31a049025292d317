using System.Net.Sockets;

namespace DmarcSecurity.Data.Reports;

/// <summary>An address or CIDR block from a record filter, with host bits cleared.</summary>
internal readonly record struct IpNetwork(IPAddress Network, int PrefixLength)
{
    /// <summary>Accepts "192.0.2.1", "192.0.2.0/24", "2001:db8::/32". Host bits under the prefix are cleared
    /// rather than refused, because analysts often type an address of the block ("192.0.2.7/24").</summary>
    public static IpNetwork Parse(string text)
    {
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text.Trim() : text[..slash].Trim();
        if (!IPAddress.TryParse(addressText, out var address))
        {
            throw new ArgumentException($"'{text}' is neither an IP address nor a CIDR block.", nameof(text));
        }

        // "::ffff:192.0.2.0/120" is the IPv4 block 192.0.2.0/24, as stored addresses are.
        var mapped = address.IsIPv4MappedToIPv6;
        address = Normalize(address);
        var (minPrefix, maxPrefix) = mapped ? (96, 128) : (0, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        var prefix = maxPrefix;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..].Trim(), out prefix) || prefix < minPrefix || prefix > maxPrefix))
        {
            throw new ArgumentException($"'{text}' has a prefix length outside {minPrefix}..{maxPrefix}.", nameof(text));
        }

        prefix -= mapped ? 96 : 0;

        var bytes = address.GetAddressBytes();
        ClearHostBits(bytes, prefix, setInstead: false);
        return new IpNetwork(new IPAddress(bytes), prefix);
    }

    /// <summary>IPv4-mapped IPv6 addresses are stored as IPv4, so both providers see one family per address.</summary>
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

    /// <summary>32 lower-case hex digits of the 16-byte IPv6 form (IPv4 as ::ffff:a.b.c.d): sorts like the address.</summary>
    public static string Key(IPAddress address) => Convert.ToHexStringLower(Mapped(Normalize(address)));

    public string LowKey => Convert.ToHexStringLower(Mapped(Network));

    public string HighKey
    {
        get
        {
            var bytes = Mapped(Network);
            ClearHostBits(bytes, MappedPrefix, setInstead: true);
            return Convert.ToHexStringLower(bytes);
        }
    }

    /// <summary>True for an IPv6 block wide enough to contain ::ffff:0:0/96, whose keys are those of IPv4 addresses;
    /// such addresses are IPv4 and not in an IPv6 block (as with PostgreSQL's inet).</summary>
    public bool CoversIPv4Keys =>
        Network.AddressFamily == AddressFamily.InterNetworkV6 &&
        string.CompareOrdinal(LowKey, IPv4LowKey) <= 0 && string.CompareOrdinal(HighKey, IPv4HighKey) >= 0;

    public const string IPv4LowKey = "00000000000000000000ffff00000000";

    public const string IPv4HighKey = "00000000000000000000ffffffffffff";

    private int MappedPrefix => Network.AddressFamily == AddressFamily.InterNetwork ? 96 + PrefixLength : PrefixLength;

    private static byte[] Mapped(IPAddress address) =>
        (address.AddressFamily == AddressFamily.InterNetwork ? address.MapToIPv6() : address).GetAddressBytes();

    private static void ClearHostBits(byte[] bytes, int prefix, bool setInstead)
    {
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            var mask = (byte)(0x80 >> (bit % 8));
            bytes[bit / 8] = setInstead ? (byte)(bytes[bit / 8] | mask) : (byte)(bytes[bit / 8] & ~mask);
        }
    }
}
