using System.Globalization;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;
using static DmarcSecurity.Grains.Alerts.AlertRules.Thresholds;

namespace DmarcSecurity.Grains.Domains;

/// <summary>
/// One policy domain: per-day counts, the failure-rate baseline, known senders, the last published policy and the
/// reporters' rhythm. Raises failure-rate spikes, new unauthorised sources, policy downgrades and reporter gaps.
/// </summary>
public sealed class DomainGrain(string domain, GrainSettings settings)
{
    /// <summary>Published policies kept in <see cref="DomainState.PolicyHistory"/>.</summary>
    public const int MaxPolicyHistory = 50;

    private const double Tolerance = 1e-9;
    private static readonly IReadOnlyDictionary<string, string> s_noDiscriminators = new Dictionary<string, string>();
    private readonly AlertGate _gate = new(settings, GrainTypes.Domain, domain);

    public GrainStep<DomainState> Apply(DomainState state, DmarcReportEvent report, DateTimeOffset now)
    {
        var emit = new Emissions();
        var day = Days.OfWindow(report.Begin, report.End);
        state = DomainLedger.Roll(state, now, settings.Domains);
        state = state with
        {
            Days = day >= Days.FirstKept(now, settings.Domains.RetentionDays) ? DomainLedger.AddDay(state.Days, day, report.Rows) : state.Days,
            KnownSenders = DomainLedger.AddSenders(state.KnownSenders, report, settings.Domains.MaxKnownSenders),
            Reporters = DomainLedger.AddReport(state.Reporters, DomainLedger.ReporterOf(report), day, now),
        };
        state = CheckSpike(state, day, now, emit);
        state = CheckNewSources(state, report, now, emit);
        state = CheckPolicy(state, report, now, emit);
        return emit.Step(state with { Alerts = _gate.Prune(state.Alerts, now) });
    }

    /// <summary>A DNS posture check found the published records changed: one alert per new posture, so the same change
    /// found by the next checks repeats the open alert instead of raising another.</summary>
    public GrainStep<DomainState> PostureChanged(DomainState state, DnsPostureChangedEvent changed, DateTimeOffset now)
    {
        var emit = new Emissions();
        var detail = $"DNS posture check {changed.CheckId} at {changed.CheckedAt.ToString("u", CultureInfo.InvariantCulture)} found "
            + $"{(changed.Weakened ? "the domain weaker" : "a change")}: {string.Join("; ", changed.Changes)}.";
        var candidate = new AlertCandidate(AlertRules.DnsPostureChange,
            changed.Weakened ? $"DNS posture of {domain} weakened" : $"DNS posture of {domain} changed", detail,
            new Dictionary<string, string> { ["posture"] = changed.Posture }, domain);
        return emit.Step(Raise(state with { Alerts = _gate.Prune(state.Alerts, now) }, candidate, now, emit));
    }

    public GrainStep<DomainState> CloseAlert(DomainState state, AlertClosedEvent closed, DateTimeOffset now) =>
        new Emissions().Step(state with { Alerts = _gate.Close(state.Alerts, closed.Fingerprint, now) });

    /// <summary>Rolls the days into the baseline and looks for reporter gaps; null when nothing changed.</summary>
    public GrainStep<DomainState>? Tick(DomainState state, DateTimeOffset now)
    {
        var emit = new Emissions();
        var next = DomainLedger.Roll(state, now, settings.Domains);
        next = CheckReporterGaps(next with { Alerts = _gate.Prune(next.Alerts, now) }, now, emit);
        return next == state ? null : emit.Step(next);
    }

    /// <summary>"Today" is a day not yet settled into the baseline. It spikes when it has the minimum volume, the
    /// baseline has enough days, and its failure rate is both ratio × baseline and minIncrease above the baseline.</summary>
    private DomainState CheckSpike(DomainState state, DateOnly day, DateTimeOffset now, Emissions emit)
    {
        var rule = settings.Rule(AlertRules.FailureSpike);
        if (day <= Days.Of(now).AddDays(-settings.Domains.BaselineSettleDays)
            || state.Days.FirstOrDefault(d => d.Day == day) is not { } today
            || state.BaselineFailureRate is not { } baseline
            || today.Messages < rule.Threshold(MinMessages)
            || state.BaselineDays < rule.Threshold(MinBaselineDays)
            || today.FailureRate < (baseline * rule.Threshold(Ratio)) - Tolerance
            || today.FailureRate - baseline < rule.Threshold(MinIncrease) - Tolerance)
        {
            return state;
        }

        var detail = Invariant($"On {day:yyyy-MM-dd}, {today.Messages - today.DmarcPass} of {today.Messages} messages failed DMARC ")
            + Invariant($"({today.FailureRate * 100:0.0}%) against a baseline of {baseline * 100:0.0}% over {state.BaselineDays} days.");
        return Raise(state, new AlertCandidate(AlertRules.FailureSpike, $"DMARC failure spike for {domain}", detail, s_noDiscriminators, domain), now, emit);
    }

    /// <summary>A source whose messages in this report reach the minimum, all failing both alignments, and that has
    /// never passed alignment for the domain.</summary>
    private DomainState CheckNewSources(DomainState state, DmarcReportEvent report, DateTimeOffset now, Emissions emit)
    {
        var minimum = settings.Rule(AlertRules.NewSource).Threshold(MinMessages);
        var candidates = report.Rows
            .Where(r => !r.DkimAligned && !r.SpfAligned)
            .GroupBy(r => Networks.Canonical(r.SourceIp))
            .Select(g => (Ip: g.Key, Count: g.Sum(r => r.Count)))
            .Where(s => s.Count >= minimum && !state.KnownSenders.ContainsKey(s.Ip))
            .OrderBy(s => s.Ip, StringComparer.Ordinal)
            .Select(s => new AlertCandidate(AlertRules.NewSource, $"New unauthorised source {s.Ip} for {domain}",
                Invariant($"{s.Ip} sent {s.Count} messages as {domain} in report {report.ReportId} from {report.OrgName}, ")
                + "failing both DKIM and SPF alignment, and has never passed alignment for the domain.",
                new Dictionary<string, string> { ["sourceIp"] = s.Ip }, domain, s.Ip));
        return state with { Alerts = _gate.RaiseAll(state.Alerts, candidates, now, emit) };
    }

    /// <summary>Only a report newer than the policy known can change it; older ones describe the past.</summary>
    private DomainState CheckPolicy(DomainState state, DmarcReportEvent report, DateTimeOffset now, Emissions emit)
    {
        if (state.Policy is { } known && report.End <= known.AsOf)
        {
            return state;
        }

        var policy = PolicyChanges.Read(report.Policy, state.Policy, report.End, report.ReportId);
        var changes = state.Policy is { } before ? PolicyChanges.Downgrades(before, policy) : [];
        var history = state.PolicyHistory.Count == 0 && state.Policy is { } seen ? [seen] : state.PolicyHistory;
        if (history.Count == 0 || !PolicyChanges.Same(history[^1], policy))
        {
            history = [.. history.TakeLast(MaxPolicyHistory - 1), policy];
        }

        state = state with { Policy = policy, PolicyHistory = history };
        if (changes.Count == 0)
        {
            return state;
        }

        var summary = string.Join("; ", changes);
        var detail = $"Report {report.ReportId} from {report.OrgName} shows a weaker policy for {domain}: {summary}.";
        return Raise(state, new AlertCandidate(AlertRules.PolicyDowngrade, $"DMARC policy downgrade for {domain}", detail,
            new Dictionary<string, string> { ["changes"] = summary }, domain), now, emit);
    }

    /// <summary>A reporter whose last dailyDays report days follow each other and that sent nothing for silentDays.
    /// Alerted once per silence: the next report from it re-arms the rule.</summary>
    private DomainState CheckReporterGaps(DomainState state, DateTimeOffset now, Emissions emit)
    {
        var rule = settings.Rule(AlertRules.ReporterGap);
        var silence = TimeSpan.FromDays(rule.Threshold(SilentDays));
        var silent = state.Reporters
            .Where(r => !r.Value.GapAlerted && now - r.Value.LastReceivedAt >= silence && DomainLedger.IsDaily(r.Value, (int)rule.Threshold(DailyDays)))
            .OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        foreach (var (reporter, activity) in silent)
        {
            var detail = Invariant($"{reporter} sent a report for {domain} every day until {activity.Days[^1]:yyyy-MM-dd}; ")
                + Invariant($"nothing has arrived since {activity.LastReceivedAt:u}.");
            var (book, outcome) = _gate.Raise(state.Alerts, new AlertCandidate(AlertRules.ReporterGap,
                $"{reporter} stopped reporting for {domain}", detail, new Dictionary<string, string> { ["reporter"] = reporter }, domain), now, emit);
            var stillArmed = outcome is GateOutcome.Suppressed or GateOutcome.Disabled;
            state = state with
            {
                Alerts = book,
                Reporters = stillArmed ? state.Reporters : new Dictionary<string, ReporterActivity>(state.Reporters) { [reporter] = activity with { GapAlerted = true } },
            };
        }

        return state;
    }

    private DomainState Raise(DomainState state, AlertCandidate candidate, DateTimeOffset now, Emissions emit) =>
        state with { Alerts = _gate.Raise(state.Alerts, candidate, now, emit).Book };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
