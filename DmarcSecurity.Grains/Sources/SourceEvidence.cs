using System.Net;
using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Sources;

/// <summary>The DMARC and IDS evidence of a source-IP grain: what records and IDS logs add, what the window drops, what the scorer sees.
/// Pruning returns the very same collections when nothing is dropped, so a tick that finds nothing to do is recognised.</summary>
internal static class SourceEvidence
{
    public const int MaxSignatures = 20;
    public const int MaxTargets = 32;

    /// <summary>Adds what an IDS log said of the address on one day: the day's counts, and its signatures and targets
    /// to the most frequent ones kept.</summary>
    public static SourceIpState Add(SourceIpState state, IdsEvidenceEvent ids, DateTimeOffset now, GrainSettings settings)
    {
        var days = state.IdsDays;
        var targets = state.Targets.ToDictionary(t => t.Ip, StringComparer.Ordinal);
        foreach (var target in ids.Targets)
        {
            var isProtected = settings.ProtectedNetworks.Items.Count == 0
                || (Networks.TryParseAddress(target.Ip, out var address) && settings.ProtectedNetworks.Match(address) is not null);
            targets[target.Ip] = targets.TryGetValue(target.Ip, out var seen)
                ? seen with { Count = seen.Count + target.Count, LastSeen = Max(seen.LastSeen, ids.Last) }
                : new SeenTarget(target.Ip, target.Count, isProtected, ids.Last);
        }

        if (ids.Day >= Days.FirstKept(now, settings.Decisions.EvidenceDays))
        {
            // Hits on the listed targets that are protected, scaled up to all the hits of the batch.
            var listedHits = ids.Targets.Sum(t => t.Count);
            var protectedListed = ids.Targets.Where(t => targets[t.Ip].Protected).Sum(t => t.Count);
            var protectedHits = listedHits > 0 ? (long)Math.Round((double)ids.TargetHits * protectedListed / listedHits) : 0;
            var old = days.FirstOrDefault(d => d.Day == ids.Day) ?? new SourceIdsDay(ids.Day, 0, null, 0, 0, 0, 0, 0);
            var updated = new SourceIdsDay(
                ids.Day,
                old.Alerts + ids.Alerts,
                MinPriority(old.TopPriority, ids.TopPriority),
                old.Probes + ids.Probes,
                old.Connections + ids.Connections,
                old.TargetHits + ids.TargetHits,
                old.ProtectedHits + protectedHits,
                Math.Max(old.DistinctTargets, ids.DistinctTargets));
            days = [.. days.Where(d => d.Day != ids.Day).Append(updated).OrderBy(d => d.Day)];
        }

        var signatures = state.Signatures.ToDictionary(x => (x.SignatureId, x.Signature));
        foreach (var signature in ids.Signatures)
        {
            var key = (signature.SignatureId, signature.Signature);
            signatures[key] = signatures.TryGetValue(key, out var seen)
                ? seen with { Count = seen.Count + signature.Count, LastSeen = Max(seen.LastSeen, ids.Last), Priority = MinPriority(seen.Priority, signature.Priority) }
                : new SeenSignature(signature.Signature, signature.SignatureId, signature.Classification, signature.Priority, signature.Count, ids.Last);
        }

        return state with
        {
            FirstSeen = state.FirstSeen is { } first ? Min(first, ids.First) : ids.First,
            LastSeen = state.LastSeen is { } last ? Max(last, ids.Last) : ids.Last,
            IdsDays = days,
            Signatures = [.. signatures.Values.OrderByDescending(x => x.Count).ThenByDescending(x => x.LastSeen).ThenBy(x => x.Signature, StringComparer.Ordinal).Take(MaxSignatures)],
            Targets = [.. targets.Values.OrderByDescending(x => x.Count).ThenByDescending(x => x.LastSeen).ThenBy(x => x.Ip, StringComparer.Ordinal).Take(MaxTargets)],
        };
    }

    /// <summary>Counts a failure report on the day its message arrived, when that day is in the evidence window.</summary>
    public static SourceIpState Add(SourceIpState state, DmarcFailureEvent failure, DateTimeOffset now, DecisionSettings settings)
    {
        var day = DateOnly.FromDateTime(failure.ArrivalAt.UtcDateTime);
        var days = state.FailureDays;
        if (day >= Days.FirstKept(now, settings.EvidenceDays))
        {
            var reports = (days.FirstOrDefault(d => d.Day == day)?.Reports ?? 0) + 1;
            days = [.. days.Where(d => d.Day != day).Append(new SourceFailureDay(day, reports)).OrderBy(d => d.Day)];
        }

        return state with
        {
            FirstSeen = state.FirstSeen is { } first ? Min(first, failure.ArrivalAt) : failure.ArrivalAt,
            LastSeen = state.LastSeen is { } last ? Max(last, failure.ArrivalAt) : failure.ArrivalAt,
            FailureDays = days,
        };
    }

    public static SourceIpState Add(SourceIpState state, SourceIdentifiedEvent identified) => state with
    {
        KnownForwarder = identified.ServiceKind == SourceIdentity.ForwarderKind && identified.ServiceVerified ? identified.Service ?? identified.ServiceKind : null,
    };

    public static SourceIpState Add(SourceIpState state, AnomalyScoredEvent anomaly) =>
        state.AnomalyDay is { } day && day > anomaly.Day ? state
            : state with { AnomalyScore = Math.Clamp(anomaly.Score, 0, 1), AnomalyDay = anomaly.Day, AnomalyModel = anomaly.Model };

    public static SourceIpState Add(SourceIpState state, DmarcRecordEvent record, DateTimeOffset now, DecisionSettings settings)
    {
        var day = Days.OfWindow(record.Begin, record.End);
        var failedBoth = !record.DkimAligned && !record.SpfAligned ? record.Count : 0;
        var forwarded = record.Forwarding is null ? 0 : failedBoth;
        var failing = failedBoth - forwarded;
        var disposition = record.Disposition.Trim().ToLowerInvariant();
        var days = state.Days;
        if (day >= Days.FirstKept(now, settings.EvidenceDays))
        {
            var old = days.FirstOrDefault(d => d.Day == day) ?? new SourceDay(day, 0, 0, 0, 0, 0);
            var updated = old with
            {
                Messages = old.Messages + record.Count,
                FailingBoth = old.FailingBoth + failing,
                Forwarded = old.Forwarded + forwarded,
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
            IdsDays = state.IdsDays.All(d => d.Day >= firstDay) ? state.IdsDays : [.. state.IdsDays.Where(d => d.Day >= firstDay)],
            FailureDays = state.FailureDays.All(d => d.Day >= firstDay) ? state.FailureDays : [.. state.FailureDays.Where(d => d.Day >= firstDay)],
            Signatures = state.Signatures.All(x => x.LastSeen >= windowStart) ? state.Signatures : [.. state.Signatures.Where(x => x.LastSeen >= windowStart)],
            Targets = state.Targets.All(x => x.LastSeen >= windowStart) ? state.Targets : [.. state.Targets.Where(x => x.LastSeen >= windowStart)],
            Domains = state.Domains.Values.All(d => d.LastSeen >= windowStart) ? state.Domains
                : state.Domains.Where(d => d.Value.LastSeen >= windowStart).ToDictionary(),
            Offences = state.Offences.All(o => o.At > remembered) ? state.Offences : [.. state.Offences.Where(o => o.At > remembered)],
        };
    }

    public static ThreatEvidence Evidence(SourceIpState state, IPAddress address, DateTimeOffset now, GrainSettings settings)
    {
        var windowStart = WindowStart(now, settings.Decisions);
        var remembered = now - settings.Decisions.OffenceMemory;
        var forwarder = state.KnownForwarder is not null;
        // A known forwarder's failures are the forwarding's, as if every receiver had said so.
        var days = state.Days.Where(d => d.Day >= Days.Of(windowStart))
            .Select(d => forwarder ? d with { FailingBoth = 0, Forwarded = d.Forwarded + d.FailingBoth } : d)
            .ToList();
        var ids = state.IdsDays.Where(d => d.Day >= Days.Of(windowStart)).ToList();
        var reputation = settings.Reputation.Match(address);
        return new ThreatEvidence(
            days.Sum(d => d.Messages),
            days.Sum(d => d.FailingBoth),
            days.Sum(d => d.Quarantine),
            days.Sum(d => d.Reject),
            forwarder ? 0 : state.Domains.Values.Count(d => d.LastFailedAt >= windowStart),
            days.Count(d => d.FailingBoth > 0),
            state.Offences.Count(o => o.At > remembered),
            reputation?.Score,
            reputation?.Source,
            settings.Allowlist.Match(address) is not null,
            state.AnomalyScore)
        {
            FailureReports = forwarder ? 0 : state.FailureDays.Where(d => d.Day >= Days.Of(windowStart)).Sum(d => d.Reports),
            Forwarded = days.Sum(d => d.Forwarded),
            KnownForwarder = state.KnownForwarder,
            IdsAlerts = ids.Sum(d => d.Alerts),
            IdsTopPriority = ids.Select(d => d.TopPriority).Aggregate((int?)null, MinPriority),
            IdsProbes = ids.Sum(d => d.Probes),
            IdsTargetHits = ids.Sum(d => d.TargetHits),
            IdsProtectedHits = ids.Sum(d => d.ProtectedHits),
            IdsTargets = Math.Max(state.Targets.Count(t => t.LastSeen >= windowStart), ids.Select(d => d.DistinctTargets).DefaultIfEmpty().Max()),
            HostileDays = days.Where(d => d.FailingBoth > 0).Select(d => d.Day)
                .Union(ids.Where(d => d.Alerts > 0 || d.Probes > 0).Select(d => d.Day)).Count(),
        };
    }

    private static DateTimeOffset WindowStart(DateTimeOffset now, DecisionSettings settings) =>
        new(Days.FirstKept(now, settings.EvidenceDays).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static int? MinPriority(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
