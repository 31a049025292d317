using System.Net.Sockets;

namespace DmarcSecurity.Data.Reports;

/// <summary>An address or CIDR block from a record filter, with host bits cleared.</summary>
internal readonly record struct IpNetwork(IPAddress Network, int PrefixLength)
{
    /// <summary>An address or CIDR block as <see cref="Networks.TryParse"/> reads it (host bits cleared, mapped IPv4 as IPv4).</summary>
    public static IpNetwork Parse(string text) =>
        Networks.TryParse(text, out var network)
            ? new IpNetwork(network.BaseAddress, network.PrefixLength)
            : throw new ArgumentException($"'{text}' is neither an IP address nor a CIDR block.", nameof(text));

    /// <summary>32 lower-case hex digits of the 16-byte IPv6 form (IPv4 as ::ffff:a.b.c.d): sorts like the address.</summary>
    public static string Key(IPAddress address) => Convert.ToHexStringLower(Mapped(Networks.Normalize(address)));

    public string LowKey => Convert.ToHexStringLower(Mapped(Network));

    public string HighKey
    {
        get
        {
            var bytes = Mapped(Network);
            SetHostBits(bytes, MappedPrefix);
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

    private static void SetHostBits(byte[] bytes, int prefix)
    {
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }
    }
}
