using System.Net;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Sources;

/// <summary>The DMARC evidence of a source-IP grain: what records add, what the window drops, what the scorer sees.
/// Pruning returns the very same collections when nothing is dropped, so a tick that finds nothing to do is recognised.</summary>
internal static class SourceEvidence
{
    public static SourceIpState Add(SourceIpState state, DmarcRecordEvent record, DateTimeOffset now, DecisionSettings settings)
    {
        var day = Days.OfWindow(record.Begin, record.End);
        var failing = !record.DkimAligned && !record.SpfAligned ? record.Count : 0;
        var disposition = record.Disposition.Trim().ToLowerInvariant();
        var days = state.Days;
        if (day >= Days.FirstKept(now, settings.EvidenceDays))
        {
            var old = days.FirstOrDefault(d => d.Day == day) ?? new SourceDay(day, 0, 0, 0, 0, 0);
            var updated = old with
            {
                Messages = old.Messages + record.Count,
                FailingBoth = old.FailingBoth + failing,
                None = old.None + (disposition is "quarantine" or "reject" ? 0 : record.Count),
                Quarantine = old.Quarantine + (disposition == "quarantine" ? record.Count : 0),
                Reject = old.Reject + (disposition == "reject" ? record.Count : 0),
            };
            days = [.. days.Where(d => d.Day != day).Append(updated).OrderBy(d => d.Day)];
        }

        var name = (string.IsNullOrWhiteSpace(record.HeaderFrom) ? record.PolicyDomain : record.HeaderFrom).Trim().TrimEnd('.').ToLowerInvariant();
        var domains = state.Domains.ToDictionary();
        domains[name] = domains.TryGetValue(name, out var d)
            ? new ClaimedDomain(Min(d.FirstSeen, record.Begin), Max(d.LastSeen, record.End), d.Messages + record.Count,
                d.FailingBoth + failing, failing > 0 ? Max(d.LastFailedAt ?? record.End, record.End) : d.LastFailedAt)
            : new ClaimedDomain(record.Begin, record.End, record.Count, failing, failing > 0 ? record.End : null);
        return state with
        {
            FirstSeen = state.FirstSeen is { } first ? Min(first, record.Begin) : record.Begin,
            LastSeen = state.LastSeen is { } last ? Max(last, record.End) : record.End,
            Days = days,
            Domains = domains.Count <= settings.MaxClaimedDomains ? domains
                : domains.OrderByDescending(x => x.Value.LastSeen).ThenBy(x => x.Key, StringComparer.Ordinal).Take(settings.MaxClaimedDomains).ToDictionary(),
        };
    }

    /// <summary>Drops days and domains that left the evidence window and offences older than the offence memory.</summary>
    public static SourceIpState Prune(SourceIpState state, DateTimeOffset now, DecisionSettings settings)
    {
        var firstDay = Days.FirstKept(now, settings.EvidenceDays);
        var windowStart = WindowStart(now, settings);
        var remembered = now - settings.OffenceMemory;
        return state with
        {
            Days = state.Days.All(d => d.Day >= firstDay) ? state.Days : [.. state.Days.Where(d => d.Day >= firstDay)],
            Domains = state.Domains.Values.All(d => d.LastSeen >= windowStart) ? state.Domains
                : state.Domains.Where(d => d.Value.LastSeen >= windowStart).ToDictionary(),
            Offences = state.Offences.All(o => o.At > remembered) ? state.Offences : [.. state.Offences.Where(o => o.At > remembered)],
        };
    }

    public static ThreatEvidence Evidence(SourceIpState state, IPAddress address, DateTimeOffset now, GrainSettings settings)
    {
        var windowStart = WindowStart(now, settings.Decisions);
        var remembered = now - settings.Decisions.OffenceMemory;
        var days = state.Days.Where(d => d.Day >= Days.Of(windowStart)).ToList();
        var reputation = settings.Reputation.Match(address);
        return new ThreatEvidence(
            days.Sum(d => d.Messages),
            days.Sum(d => d.FailingBoth),
            days.Sum(d => d.Quarantine),
            days.Sum(d => d.Reject),
            state.Domains.Values.Count(d => d.LastFailedAt >= windowStart),
            days.Count(d => d.FailingBoth > 0),
            state.Offences.Count(o => o.At > remembered),
            reputation?.Score,
            reputation?.Source,
            settings.Allowlist.Match(address) is not null,
            state.AnomalyScore);
    }

    private static DateTimeOffset WindowStart(DateTimeOffset now, DecisionSettings settings) =>
        new(Days.FirstKept(now, settings.EvidenceDays).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
