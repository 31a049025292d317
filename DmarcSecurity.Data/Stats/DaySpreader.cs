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

/// <summary>Spreads report windows over the UTC days they cover, in proportion to time, clipped to [from, to).</summary>
internal static class DaySpreader
{
    public static IReadOnlyList<TimelinePointDto> Spread(
        IEnumerable<(DateTimeOffset Begin, DateTimeOffset End, MessageTotals Totals)> windows, DateTimeOffset? from, DateTimeOffset? to)
    {
        var days = new SortedDictionary<DateOnly, MessageTotals>();
        foreach (var (begin, end, totals) in windows)
        {
            var duration = (end - begin).TotalSeconds;
            if (duration <= 0)
            {
                Add(days, begin, totals);
                continue;
            }

            var start = from is { } f && f > begin ? f : begin;
            var stop = to is { } t && t < end ? t : end;
            for (var day = new DateTimeOffset(start.UtcDateTime.Date, TimeSpan.Zero); day < stop; day = day.AddDays(1))
            {
                var overlapStart = day > start ? day : start;
                var nextDay = day.AddDays(1);
                var overlapStop = nextDay < stop ? nextDay : stop;
                var share = (overlapStop - overlapStart).TotalSeconds / duration;
                if (share > 0)
                {
                    Add(days, day, totals.Scale(share));
                }
            }
        }

        return days
            .Select(d => new TimelinePointDto(
                d.Key, d.Value.Messages, d.Value.Passing, d.Value.Messages - d.Value.Passing, d.Value.DkimPass, d.Value.SpfPass,
                d.Value.None, d.Value.Quarantine, d.Value.Reject))
            .ToList();
    }

    private static void Add(SortedDictionary<DateOnly, MessageTotals> days, DateTimeOffset at, MessageTotals totals)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        days[day] = days.TryGetValue(day, out var sum) ? sum + totals : totals;
    }
}
