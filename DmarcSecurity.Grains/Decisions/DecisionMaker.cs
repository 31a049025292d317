using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Decisions;

/// <summary>Turns a threat score into a decision: action by severity layer, scope, TTL, reason, dry-run and allowlist.</summary>
public static class DecisionMaker
{
    public static DecisionOutput Make(
        IPAddress address,
        ThreatScore score,
        ThreatEvidence evidence,
        AllowlistEntry? allowlisted,
        string origin,
        Guid id,
        Guid? supersedes,
        DateTimeOffset now,
        DecisionSettings settings,
        RaisedSeverity? raised = null)
    {
        var severity = raised?.Severity ?? score.Severity;
        var action = SeverityLayers.ActionFor(severity);
        var ttl = Ttl(evidence.PriorOffences, settings);
        var (scope, block) = Scope(address, settings);
        return new DecisionOutput(
            id, Networks.Normalize(address).ToString(), scope, block,
            action, severity, score.Score, score.Breakdown, ttl, now, now + ttl,
            action == DecisionAction.Reassess ? now + settings.ReassessAfter : null,
            origin, Reason(score, evidence, allowlisted, raised), !settings.Enforce, allowlisted is not null, allowlisted?.Reason,
            evidence.PriorOffences, supersedes);
    }

    /// <summary>An analyst's block for <paramref name="duration"/>: enforced, at least high, scored on the current
    /// evidence for the record; recorded only when the address is allowlisted (and the allowlist not bypassed).</summary>
    public static DecisionOutput Manual(
        IPAddress address, ThreatScore score, AllowlistEntry? allowlisted, Guid id, Guid? supersedes, DateTimeOffset now,
        TimeSpan duration, string reason, string by, DecisionSettings settings)
    {
        var (scope, block) = Scope(address, settings);
        var text = $"Blocked by {by}: {reason}";
        if (allowlisted is not null)
        {
            text += $" Allowlisted ({allowlisted.Reason}): recorded only, never blocked.";
        }

        return new DecisionOutput(
            id, Networks.Normalize(address).ToString(), scope, block,
            DecisionAction.Block, score.Severity > Severity.High ? score.Severity : Severity.High, score.Score, score.Breakdown, duration, now, now + duration,
            null, DecisionOrigins.Manual, text, Simulated: false, allowlisted is not null, allowlisted?.Reason, 0, supersedes);
    }

    /// <summary>The address itself, or the configured block around it.</summary>
    private static (DecisionScope Scope, string Block) Scope(IPAddress address, DecisionSettings settings)
    {
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        var prefix = v4 ? settings.BlockPrefixV4 : settings.BlockPrefixV6;
        return (prefix is null ? DecisionScope.Ip : DecisionScope.Cidr, Networks.Block(address, prefix ?? (v4 ? 32 : 128)).ToString());
    }

    /// <summary>DefaultTtl × 2^priorOffences, at most MaxTtl.</summary>
    public static TimeSpan Ttl(int priorOffences, DecisionSettings settings)
    {
        var ticks = settings.DefaultTtl.Ticks * Math.Pow(2, Math.Clamp(priorOffences, 0, 62));
        return ticks >= settings.MaxTtl.Ticks ? settings.MaxTtl : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>A name-based id (RFC 9562 version 8) from the grain key and its decision sequence: the same batch
    /// retried makes the same decision id, two grains or two decisions never do.</summary>
    public static Guid Id(string grainKey, long sequence)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{GrainTypes.SourceIp}\u001f{grainKey}\u001f{sequence.ToString(CultureInfo.InvariantCulture)}"));
        var bytes = hash.AsSpan(0, 16);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private static string Reason(ThreatScore score, ThreatEvidence e, AllowlistEntry? allowlisted, RaisedSeverity? raised)
    {
        var b = score.Breakdown;
        var text = new StringBuilder(raised is null ? "" : Invariant($"{raised.Severity} by {raised.By}, over the rule-based "))
            .Append(Invariant($"{score.Severity} threat score {score.Score:0.000} = "))
            .Append(string.Join(" + ", new[] { ("pattern", b.Pattern), ("context", b.Context), ("history", b.History), ("reputation", b.Reputation), ("anomaly", b.Anomaly) }
                .Select(c => Invariant($"{c.Item1} {c.Item2.Value:0.000}×{c.Item2.Weight:0.##}"))))
            .Append(Invariant($"; {e.FailingBoth} of {e.Messages} messages failed DKIM and SPF alignment, as {e.FailingDomains} domain(s) on {e.FailingDays} day(s)"))
            .Append(e.KnownForwarder is { } forwarder ? Invariant($" ({e.Forwarded} forwarded: a known forwarder, {forwarder})") : "")
            .Append(Invariant($"; {e.PriorOffences} earlier offence(s)"));
        if (e.IdsAlerts > 0 || e.IdsProbes > 0)
        {
            text.Append(Invariant($"; IDS: {e.IdsAlerts} alert(s)"))
                .Append(e.IdsTopPriority is { } priority ? Invariant($", highest priority {priority}") : "")
                .Append(Invariant($", {e.IdsProtectedHits} of {e.IdsTargetHits} hit(s) on protected networks, {e.IdsTargets} target(s)"))
                .Append(e.IdsProbes > 0 ? Invariant($", {e.IdsProbes} refused or unanswered connection(s)") : "");
        }

        if (e.ListedReputation is { } listed)
        {
            text.Append(Invariant($"; reputation list {listed:0.00} ({e.ReputationSource})"));
        }

        if (allowlisted is not null)
        {
            text.Append($"; allowlisted ({allowlisted.Reason}): recorded only, never blocked");
        }

        return text.Append('.').ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A severity above the score's, given by <paramref name="By"/> (the learned-severity model), which the
/// decision takes instead of the score's.</summary>
public sealed record RaisedSeverity(Severity Severity, string By);
