namespace DmarcSecurity.Core.Ids;

/// <summary>How <see cref="IdsLogReader.Read"/> reads one input.</summary>
public sealed class IdsReadOptions
{
    /// <summary>
    /// The reading time, for lines that carry no year (Snort's default <c>alert_fast</c>): such a line gets the year
    /// that puts it not after <c>Now</c> plus one day, so December lines read in January fall in the year before.
    /// </summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// The sensor's local UTC offset, for the formats that write local time without a zone (Snort and Suricata
    /// fast logs). UTC by default. Formats that carry their own zone or epoch time ignore it.
    /// </summary>
    public TimeSpan SensorOffset { get; init; }

    /// <summary>Longer lines are counted unreadable and skipped to the next newline, never buffered whole.</summary>
    public int MaxLineBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// False for a tailer reading a file that is still being written: a last line without a newline is then left
    /// unread (and not counted in <see cref="IdsReadStats.ConsumedBytes"/>), to be read whole on the next pass.
    /// </summary>
    public bool AtEnd { get; init; } = true;

    /// <summary>
    /// The Zeek <c>#fields</c> header seen earlier in this file (<see cref="IdsReadStats.ZeekFields"/> of the previous
    /// pass), for a tailer resuming after the header. A <c>#fields</c> line in the input replaces it.
    /// </summary>
    public IReadOnlyList<string>? ZeekFields { get; init; }

    /// <summary>Gzip input is inflated up to this many bytes; past it the whole input is refused.</summary>
    public long MaxDecompressedBytes { get; init; } = 1L << 30;

    internal void Validate()
    {
        if (MaxLineBytes is < 64 or > 256 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), MaxLineBytes, "MaxLineBytes must be between 64 bytes and 256 MB.");
        }

        if (SensorOffset < TimeSpan.FromHours(-14) || SensorOffset > TimeSpan.FromHours(14) || SensorOffset.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SensorOffset), SensorOffset, "SensorOffset must be whole minutes between -14 and +14 hours.");
        }

        if (MaxDecompressedBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDecompressedBytes), MaxDecompressedBytes, "MaxDecompressedBytes must be positive.");
        }
    }
}
