using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Domains;

/// <summary>The bookkeeping of a domain grain's state: day counts, baseline, known senders, reporters. Each method
/// returns the very same collections when nothing changes, so a tick that finds nothing to do is recognised.</summary>
internal static class DomainLedger
{
    public static IReadOnlyList<DomainDay> AddDay(IReadOnlyList<DomainDay> days, DateOnly day, IReadOnlyList<DmarcReportRow> rows)
    {
        var existing = days.FirstOrDefault(d => d.Day == day) ?? new DomainDay(day, 0, 0, 0, 0, 0, 0, 0);
        var updated = existing with
        {
            Messages = existing.Messages + rows.Sum(r => r.Count),
            DmarcPass = existing.DmarcPass + rows.Where(r => r.DkimAligned || r.SpfAligned).Sum(r => r.Count),
            DkimAligned = existing.DkimAligned + rows.Where(r => r.DkimAligned).Sum(r => r.Count),
            SpfAligned = existing.SpfAligned + rows.Where(r => r.SpfAligned).Sum(r => r.Count),
            None = existing.None + rows.Where(r => !Is(r, "quarantine") && !Is(r, "reject")).Sum(r => r.Count),
            Quarantine = existing.Quarantine + rows.Where(r => Is(r, "quarantine")).Sum(r => r.Count),
            Reject = existing.Reject + rows.Where(r => Is(r, "reject")).Sum(r => r.Count),
        };
        return [.. days.Where(d => d.Day != day).Append(updated).OrderBy(d => d.Day)];
    }

    /// <summary>Folds settled days (older than the settle period) into the EWMA baseline, oldest first, skipping
    /// days below the minimum volume, and drops days, senders and reporters past retention.</summary>
    public static DomainState Roll(DomainState state, DateTimeOffset now, DomainSettings settings)
    {
        var settled = Days.Of(now).AddDays(-settings.BaselineSettleDays);
        if (state.Days.Any(d => !d.Folded && d.Day <= settled))
        {
            var (baseline, count) = (state.BaselineFailureRate, state.BaselineDays);
            foreach (var day in state.Days.Where(d => !d.Folded && d.Day <= settled && d.Messages >= settings.BaselineMinMessages))
            {
                baseline = baseline is { } b ? (settings.BaselineAlpha * day.FailureRate) + ((1 - settings.BaselineAlpha) * b) : day.FailureRate;
                count++;
            }

            state = state with
            {
                Days = [.. state.Days.Select(d => !d.Folded && d.Day <= settled ? d with { Folded = true } : d)],
                BaselineFailureRate = baseline,
                BaselineDays = count,
            };
        }

        var firstKept = Days.FirstKept(now, settings.RetentionDays);
        var since = now.AddDays(-settings.RetentionDays);
        return state with
        {
            Days = state.Days.Any(d => d.Day < firstKept) ? [.. state.Days.Where(d => d.Day >= firstKept)] : state.Days,
            KnownSenders = Keep(state.KnownSenders, s => s.LastPassAt >= since),
            Reporters = Keep(state.Reporters, r => r.LastReceivedAt >= since),
        };
    }

    /// <summary>Remembers every source that passed DKIM or SPF alignment; past the cap, those that passed longest ago go.</summary>
    public static IReadOnlyDictionary<string, KnownSender> AddSenders(
        IReadOnlyDictionary<string, KnownSender> senders, DmarcReportEvent report, int max)
    {
        var passing = report.Rows.Where(r => r.DkimAligned || r.SpfAligned).Select(r => Networks.Canonical(r.SourceIp)).Distinct().ToList();
        if (passing.Count == 0)
        {
            return senders;
        }

        var updated = senders.ToDictionary();
        foreach (var ip in passing)
        {
            updated[ip] = updated.TryGetValue(ip, out var known)
                ? new KnownSender(Min(known.FirstPassAt, report.Begin), Max(known.LastPassAt, report.End))
                : new KnownSender(report.Begin, report.End);
        }

        return updated.Count <= max ? updated
            : updated.OrderByDescending(s => s.Value.LastPassAt).ThenBy(s => s.Key, StringComparer.Ordinal).Take(max).ToDictionary();
    }

    public static IReadOnlyDictionary<string, ReporterActivity> AddReport(
        IReadOnlyDictionary<string, ReporterActivity> reporters, string reporter, DateOnly day, DateTimeOffset now)
    {
        var days = reporters.TryGetValue(reporter, out var known) ? known.Days : [];
        var updated = reporters.ToDictionary();
        updated[reporter] = new ReporterActivity([.. days.Append(day).Distinct().Order().TakeLast(31)], now);
        return updated;
    }

    /// <summary>Daily: its last <paramref name="dailyDays"/> report days follow each other without a gap.</summary>
    public static bool IsDaily(ReporterActivity reporter, int dailyDays) =>
        dailyDays >= 1 && reporter.Days.Count >= dailyDays
        && reporter.Days[^1].DayNumber - reporter.Days[^dailyDays].DayNumber == dailyDays - 1;

    /// <summary>Organisation name, lower-case; the reporter's mail domain when the name is empty.</summary>
    public static string ReporterOf(DmarcReportEvent report) =>
        !string.IsNullOrWhiteSpace(report.OrgName) ? report.OrgName.Trim().ToLowerInvariant()
        : report.ReporterEmail?.Split('@').Last().Trim().ToLowerInvariant() is { Length: > 0 } domain ? domain
        : "unknown";

    private static bool Is(DmarcReportRow row, string disposition) =>
        string.Equals(row.Disposition.Trim(), disposition, StringComparison.OrdinalIgnoreCase);

    private static IReadOnlyDictionary<string, T> Keep<T>(IReadOnlyDictionary<string, T> items, Func<T, bool> keep) =>
        items.Values.All(keep) ? items : items.Where(i => keep(i.Value)).ToDictionary();

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
