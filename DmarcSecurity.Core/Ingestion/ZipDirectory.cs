using System.Buffers.Binary;

namespace DmarcSecurity.Core.Ingestion;

/// <summary>Reads a zip's end-of-central-directory record before the archive is opened.</summary>
internal static class ZipDirectory
{
    private const int EndRecordLength = 22;
    private const int MaxCommentLength = ushort.MaxValue;

    /// <summary>
    /// Finds the end record; false when there is none (the archive was cut short). The entry count it declares
    /// is checked before the archive is opened, so an archive of millions of entries is refused without building
    /// an object per entry. It is -1 when a ZIP64 record holds the real count.
    /// </summary>
    public static bool TryReadEndRecord(ReadOnlySpan<byte> zip, out int declaredEntries)
    {
        declaredEntries = -1;
        var searchStart = Math.Max(0, zip.Length - EndRecordLength - MaxCommentLength);
        var tail = zip[searchStart..];
        var at = tail.LastIndexOf("PK\u0005\u0006"u8);
        if (at < 0 || tail.Length - at < EndRecordLength)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16LittleEndian(tail[(at + 10)..]);
        declaredEntries = count == ushort.MaxValue ? -1 : count;
        return true;
    }

    /// <summary>Names that would escape an extraction folder: parent segments, rooted paths, drive letters.</summary>
    public static bool IsUnsafeEntryName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        if (name[0] is '/' or '\\' || name.Contains('\0', StringComparison.Ordinal))
        {
            return true;
        }

        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]))
        {
            return true;
        }

        foreach (var segment in name.Split('/', '\\'))
        {
            if (segment.Trim() == "..")
            {
                return true;
            }
        }

        return false;
    }
}
