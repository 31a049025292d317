using System.IO.Compression;

namespace DmarcSecurity.Core.Tests.Support;

/// <summary>Builds gzip and zip containers (and bombs) in memory from sample content.</summary>
internal static class Archives
{
    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(content);
            }
        }

        return output.ToArray();
    }

    /// <summary>A gzip that inflates to <paramref name="size"/> zero bytes: about 1,000:1.</summary>
    public static byte[] GzipBomb(long size)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            WriteZeros(gzip, size);
        }

        return output.ToArray();
    }

    public static byte[] ZipBomb(string entryName, long size)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry(entryName, CompressionLevel.Optimal).Open();
            WriteZeros(stream, size);
        }

        return output.ToArray();
    }

    private static void WriteZeros(Stream stream, long size)
    {
        var zeros = new byte[1024 * 1024];
        for (long written = 0; written < size; written += zeros.Length)
        {
            stream.Write(zeros, 0, (int)Math.Min(zeros.Length, size - written));
        }
    }
}
