using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Tests.Behaviour;

/// <summary>A clock the test moves by hand; behaviours only ever see the instant they are given.</summary>
internal sealed class TestClock(DateTimeOffset start)
{
    public DateTimeOffset Now { get; private set; } = start;

    public DateTimeOffset Advance(TimeSpan by) => Now += by;

    public DateTimeOffset Set(DateTimeOffset at) => Now = at;
}

/// <summary>Reports and records shaped like the ones reporters send: a UTC day window, a handful of rows.</summary>
internal static class TestData
{
    public const string Domain = "example.com";

    public static readonly DateOnly FirstDay = new(2025, 3, 1);

    public static readonly DmarcPublishedPolicy Reject = new("reject", "reject", Pct: 100);

    public static DateTimeOffset At(DateOnly day, int hour = 0) => new(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero);

    /// <summary>When a report for <paramref name="day"/> typically arrives: early the next morning.</summary>
    public static DateTimeOffset Arrival(DateOnly day) => At(day.AddDays(1), 6);

    public static DmarcReportEvent Report(DateOnly day, params DmarcReportRow[] rows) => Report(day, Reject, "google.com", rows);

    public static DmarcReportEvent Report(DateOnly day, DmarcPublishedPolicy policy, string org, params DmarcReportRow[] rows) =>
        new($"{org}-{day:yyyyMMdd}", org, $"noreply-dmarc-support@{org}", At(day), At(day.AddDays(1)).AddSeconds(-1), policy, rows);

    public static DmarcReportRow Pass(string ip, long count) => new(ip, count, "none", DkimAligned: true, SpfAligned: true);

    public static DmarcReportRow Fail(string ip, long count, string disposition = "reject") => new(ip, count, disposition, false, false);

    /// <summary>A day's mail with <paramref name="failing"/> of <paramref name="messages"/> failing from one unknown source.</summary>
    public static DmarcReportEvent Traffic(DateOnly day, long messages, long failing, string org = "google.com") =>
        Report(day, Reject, org, Pass("198.51.100.10", messages - failing), Fail("192.0.2.99", failing));

    public static DmarcRecordEvent Record(DateOnly day, long count, bool failing, string headerFrom = Domain, string disposition = "reject") =>
        new($"google.com-{day:yyyyMMdd}", headerFrom, "google.com", At(day), At(day.AddDays(1)).AddSeconds(-1), count,
            failing ? disposition : "none", !failing, !failing, headerFrom);

    /// <summary>Settings whose threat score is the reputation-list score itself: a direct handle on every layer.</summary>
    public static GrainSettings ReputationOnly(double reputation, string ip, bool enforce = false) => GrainSettings.Default with
    {
        Scoring = ScoringSettings.Default with { Weights = new ScoringWeights(0, 0, 0, 1, 0) },
        Reputation = ReputationEntry.Table([new ReputationEntry(Networks.Parse(ip), reputation, "test feed")]),
        Decisions = DecisionSettings.Default with { Enforce = enforce },
    };

    public static GrainSettings WithRule(this GrainSettings settings, AlertRule rule) =>
        settings with { Rules = [.. settings.Rules.Where(r => r.Key != rule.Key), rule] };

    public static AlertRule Rule(string key) => AlertRules.Default(key)!;
}
