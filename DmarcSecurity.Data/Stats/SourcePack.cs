using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DmarcSecurity.Data.Stats;

/// <summary>One rolled-up row: the messages of one source address for one domain over a day or a month.</summary>
internal readonly record struct PackEntry(string Domain, SourceAddress Address, double Messages, double Failing, double Forwarded);

/// <summary>A source address as the views group and order it: IPv4 before IPv6, then by the address's bytes (as
/// PostgreSQL orders inet host addresses), as two 64-bit halves.</summary>
internal readonly record struct SourceAddress(bool V6, ulong High, ulong Low) : IComparable<SourceAddress>
{
    public static SourceAddress Of(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return address.AddressFamily == AddressFamily.InterNetwork
            ? new SourceAddress(false, 0, BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : new SourceAddress(true, BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
    }

    public static SourceAddress Of(object value) => Of(AddressOf(value));

    /// <summary>An address as a query returns it: IPAddress (PostgreSQL inet) or text (SQLite).</summary>
    public static IPAddress AddressOf(object value) =>
        value as IPAddress ?? IPAddress.Parse(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);

    public int CompareTo(SourceAddress other) =>
        V6 != other.V6 ? V6.CompareTo(other.V6) : High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    public IPAddress ToIPAddress()
    {
        if (!V6)
        {
            return new IPAddress(BinaryPrimitives.ReverseEndianness((uint)Low));
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Low);
        return new IPAddress(bytes);
    }

    public override string ToString() => ToIPAddress().ToString();
}

/// <summary>The rolled-up rows of one UTC day or month, every domain's, packed into one value of source_packs
/// (schema 0027) so that a view over every domain and a year reads a few hundred values instead of millions of rows.
/// The entries are in address order (<see cref="SourceAddress.CompareTo"/>), so that packs are summed by merging them
/// as sorted runs, reading each front to back. Layout (version 1): the version byte; the number of domains and each domain (7-bit encoded length, UTF-8); the number
/// of entries; then per entry a head byte (bit 0: IPv6; bit 1: the three figures are whole numbers), the address (4 or
/// 16 bytes), the domain's index, and messages, failing and forwarded, as 7-bit encoded integers when whole (most
/// are: a report of one day adds its counts unweighted) or else as doubles.</summary>
internal static class SourcePack
{
    private const byte Version = 1;
    private const byte IsV6 = 1;
    private const byte IsWhole = 2;

    /// <summary>Whole figures up to 2^53 are exact in a double.</summary>
    private const double MaxWhole = 9007199254740992;

    public static byte[] Encode(IEnumerable<PackEntry> rows)
    {
        var entries = rows.OrderBy(e => e.Address).ThenBy(e => e.Domain, StringComparer.Ordinal).ToList();
        var domains = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            domains.TryAdd(entry.Domain, domains.Count);
        }

        using var stream = new MemoryStream(16 + entries.Count * 10);
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(Version);
        writer.Write7BitEncodedInt(domains.Count);
        foreach (var domain in domains.Keys)
        {
            writer.Write(domain);
        }

        writer.Write7BitEncodedInt(entries.Count);
        Span<byte> bytes = stackalloc byte[16];
        foreach (var (domain, address, messages, failing, forwarded) in entries)
        {
            var whole = Whole(messages) && Whole(failing) && Whole(forwarded);
            writer.Write((byte)((address.V6 ? IsV6 : 0) | (whole ? IsWhole : 0)));
            if (address.V6)
            {
                BinaryPrimitives.WriteUInt64BigEndian(bytes, address.High);
                BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], address.Low);
                writer.Write(bytes);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)address.Low);
                writer.Write(bytes[..4]);
            }

            writer.Write7BitEncodedInt(domains[domain]);
            if (whole)
            {
                writer.Write7BitEncodedInt64((long)messages);
                writer.Write7BitEncodedInt64((long)failing);
                writer.Write7BitEncodedInt64((long)forwarded);
            }
            else
            {
                writer.Write(messages);
                writer.Write(failing);
                writer.Write(forwarded);
            }
        }

        writer.Flush();
        return stream.ToArray();
    }

    private static bool Whole(double value) => value is >= 0 and < MaxWhole && value == Math.Floor(value);

    /// <summary>Reads a pack entry by entry; a pack that is not one (or of a version this code does not know) throws.</summary>
    public struct Reader
    {
        private readonly byte[] _pack;
        private int _at;
        private int _left;

        public Reader(byte[] pack)
        {
            _pack = pack;
            if (pack.Length == 0 || pack[0] != Version)
            {
                throw new InvalidDataException("Not a version 1 source pack.");
            }

            _at = 1;
            var count = ReadInt();
            Domains = new string[count];
            for (var i = 0; i < count; i++)
            {
                var length = ReadInt();
                Domains[i] = Encoding.UTF8.GetString(_pack, _at, length);
                _at += length;
            }

            _left = Count = ReadInt();
        }

        /// <summary>The domains the entries' indexes name.</summary>
        public string[] Domains { get; }

        /// <summary>The number of entries.</summary>
        public int Count { get; }

        public bool Read(out SourceAddress address, out int domain, out double messages, out double failing, out double forwarded)
        {
            if (_left == 0)
            {
                (address, domain, messages, failing, forwarded) = (default, 0, 0, 0, 0);
                return false;
            }

            _left--;
            var head = _pack[_at++];
            if ((head & IsV6) != 0)
            {
                address = new SourceAddress(true, BinaryPrimitives.ReadUInt64BigEndian(_pack.AsSpan(_at)), BinaryPrimitives.ReadUInt64BigEndian(_pack.AsSpan(_at + 8)));
                _at += 16;
            }
            else
            {
                address = new SourceAddress(false, 0, BinaryPrimitives.ReadUInt32BigEndian(_pack.AsSpan(_at)));
                _at += 4;
            }

            domain = ReadInt();
            if ((head & IsWhole) != 0)
            {
                messages = ReadLong();
                failing = ReadLong();
                forwarded = ReadLong();
            }
            else
            {
                messages = BinaryPrimitives.ReadDoubleLittleEndian(_pack.AsSpan(_at));
                failing = BinaryPrimitives.ReadDoubleLittleEndian(_pack.AsSpan(_at + 8));
                forwarded = BinaryPrimitives.ReadDoubleLittleEndian(_pack.AsSpan(_at + 16));
                _at += 24;
            }

            return true;
        }

        private int ReadInt() => checked((int)ReadLong());

        private long ReadLong()
        {
            long value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = _pack[_at++];
                value |= (long)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }

                if (shift > 56)
                {
                    throw new InvalidDataException("A source pack's number is too long.");
                }
            }
        }
    }
}
