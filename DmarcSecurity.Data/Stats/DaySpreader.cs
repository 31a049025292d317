namespace DmarcSecurity.Data.Stats;

/// <summary>Message counters of a report (or of reports sharing one time window), scalable by a share of time.</summary>
internal readonly record struct MessageTotals(
    double Messages, double DkimPass, double SpfPass, double BothPass, double None, double Quarantine, double Reject)
{
    public double Passing => DkimPass + SpfPass - BothPass;

    public MessageTotals Scale(double share) => new(
        Messages * share, DkimPass * share, SpfPass * share, BothPass * share, None * share, Quarantine * share, Reject * share);

    public static MessageTotals operator +(MessageTotals a, MessageTotals b) => new(
        a.Messages + b.Messages, a.DkimPass + b.DkimPass, a.SpfPass + b.SpfPass, a.BothPass + b.BothPass,
        a.None + b.None, a.Quarantine + b.Quarantine, a.Reject + b.Reject);
}

/// <summary>Spreads report windows over the UTC days they cover, in proportion to time, clipped to [from, to): for the
/// timeline, and for the rollups by day (<see cref="SourceRollups"/>).</summary>
internal static class DaySpreader
{
    public static IReadOnlyList<TimelinePointDto> Spread(
        IEnumerable<(DateTimeOffset Begin, DateTimeOffset End, MessageTotals Totals)> windows, DateTimeOffset? from, DateTimeOffset? to)
    {
        var days = new SortedDictionary<DateOnly, MessageTotals>();
        foreach (var (begin, end, totals) in windows)
        {
            foreach (var (day, share) in Days(begin, end, from, to))
            {
                Add(days, day, totals.Scale(share));
            }
        }

        return days
            .Select(d => new TimelinePointDto(
                d.Key, d.Value.Messages, d.Value.Passing, d.Value.Messages - d.Value.Passing, d.Value.DkimPass, d.Value.SpfPass,
                d.Value.None, d.Value.Quarantine, d.Value.Reject))
            .ToList();
    }

    /// <summary>The UTC days of the window [begin, end) inside [from, to), each with its share of the whole window's
    /// time; a window without duration is all on its first day.</summary>
    public static IEnumerable<(DateTimeOffset Day, double Share)> Days(
        DateTimeOffset begin, DateTimeOffset end, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var duration = (end - begin).TotalSeconds;
        if (duration <= 0)
        {
            yield return (new DateTimeOffset(begin.UtcDateTime.Date, TimeSpan.Zero), 1);
            yield break;
        }

        var start = from is { } f && f > begin ? f : begin;
        var stop = to is { } t && t < end ? t : end;
        for (var day = new DateTimeOffset(start.UtcDateTime.Date, TimeSpan.Zero); day < stop; day = day.AddDays(1))
        {
            var nextDay = day.AddDays(1);
            var share = ((nextDay < stop ? nextDay : stop) - (day > start ? day : start)).TotalSeconds / duration;
            if (share > 0)
            {
                yield return (day, share);
            }
        }
    }

    private static void Add(SortedDictionary<DateOnly, MessageTotals> days, DateTimeOffset at, MessageTotals totals)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        days[day] = days.TryGetValue(day, out var sum) ? sum + totals : totals;
    }
}
