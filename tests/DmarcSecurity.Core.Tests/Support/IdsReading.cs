using DmarcSecurity.Core.Ids;

namespace DmarcSecurity.Core.Tests.Support;

/// <summary>Reads IDS samples and in-memory logs to the end, keeping the events and the counts.</summary>
internal static class IdsReading
{
    /// <summary>The day after the samples' alerts: lines without a year fall in 2026.</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    public static (List<IdsEvent> Events, IdsReadStats Stats) Sample(string name, IdsFormat? format = null, IdsReadOptions? options = null) =>
        Bytes(Samples.Read(Path.Combine("Ids", name)), format, options);

    public static (List<IdsEvent> Events, IdsReadStats Stats) Text(string text, IdsFormat? format = null, IdsReadOptions? options = null) =>
        Bytes(System.Text.Encoding.UTF8.GetBytes(text), format, options);

    public static (List<IdsEvent> Events, IdsReadStats Stats) Bytes(byte[] input, IdsFormat? format = null, IdsReadOptions? options = null)
    {
        var stats = new IdsReadStats();
        var events = IdsLogReader.Read(new MemoryStream(input, writable: false), format, stats, options ?? new IdsReadOptions { Now = Now }).ToList();
        return (events, stats);
    }

    public static DateTimeOffset Utc(int year, int month, int day, int hour, int minute, int second, int microseconds = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).AddTicks(microseconds * 10L);
}
