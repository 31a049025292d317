namespace DmarcSecurity.Grains;

/// <summary>UTC day arithmetic shared by the grains' day buckets.</summary>
internal static class Days
{
    public static DateOnly Of(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>The day a report window counts toward: the UTC day of its midpoint, so a reporter whose "day" runs
    /// from noon to noon or in its own time zone still lands on the day most of its window covers.</summary>
    public static DateOnly OfWindow(DateTimeOffset begin, DateTimeOffset end) =>
        end <= begin ? Of(begin) : Of(begin + ((end - begin) / 2));

    /// <summary>The first day still kept when <paramref name="retentionDays"/> days up to today are kept.</summary>
    public static DateOnly FirstKept(DateTimeOffset now, int retentionDays) => Of(now).AddDays(1 - retentionDays);
}
