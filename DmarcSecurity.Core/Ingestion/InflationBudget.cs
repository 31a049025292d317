namespace DmarcSecurity.Core.Ingestion;

/// <summary>
/// Inflates archive content while counting every byte produced, so a decompression bomb is stopped as soon as it
/// crosses a cap instead of after it has filled memory. One budget spans a whole input.
/// </summary>
internal sealed class InflationBudget(ExtractionLimits limits)
{
    /// <summary>Below this much output the ratio is not judged: tiny, highly repetitive reports compress very well.</summary>
    private const int RatioFloorBytes = 1024 * 1024;

    /// <summary>Output requested per read, which bounds how far past a cap a single read can go.</summary>
    private const int ChunkBytes = 64 * 1024;

    private long _inflated;

    /// <summary>
    /// Reads <paramref name="decompressor"/> (over <paramref name="compressedBytes"/> bytes) to its end.
    /// <paramref name="expectedBytes"/> is the size the container declares: untrusted, only a buffer hint.
    /// </summary>
    public ReadOnlyMemory<byte> Inflate(Stream decompressor, long compressedBytes, long expectedBytes, string origin)
    {
        var ratioAllowance = Math.Max(RatioFloorBytes, limits.MaxCompressionRatio * compressedBytes);
        var plausible = Math.Min(Math.Min(expectedBytes, limits.MaxDecompressedBytes - _inflated), ratioAllowance);
        var buffer = new byte[(int)Math.Clamp(plausible, 4096, Array.MaxLength)];
        var length = 0;
        Span<byte> probe = stackalloc byte[1];
        while (true)
        {
            // Once full, read a single byte before growing: an exact size hint then never doubles the buffer,
            // and a bomb is refused on that byte before any larger buffer is allocated for it.
            var full = length == buffer.Length;
            var read = full
                ? decompressor.Read(probe)
                : decompressor.Read(buffer, length, Math.Min(ChunkBytes, buffer.Length - length));
            if (read == 0)
            {
                return buffer.AsMemory(0, length);
            }

            _inflated += read;
            if (_inflated > limits.MaxDecompressedBytes || (full && buffer.Length == Array.MaxLength))
            {
                throw TooLarge(origin);
            }

            if (length + read > ratioAllowance)
            {
                throw new ReportRejectedException(
                    RejectionReason.CompressionRatioExceeded,
                    $"{origin}: {compressedBytes:N0} compressed bytes expanded past {length + read:N0} bytes, a ratio above "
                    + $"the {limits.MaxCompressionRatio:0.#}:1 limit; refused as a likely decompression bomb.");
            }

            if (full)
            {
                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, Array.MaxLength));
                buffer[length] = probe[0];
            }

            length += read;
        }
    }

    private ReportRejectedException TooLarge(string origin) => new(
        RejectionReason.DecompressedSizeExceeded,
        $"{origin}: decompressed content exceeds the {limits.MaxDecompressedBytes:N0}-byte limit for one input; "
        + "decompression was stopped and the input refused as a likely decompression bomb.");
}
