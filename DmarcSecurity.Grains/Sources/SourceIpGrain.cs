using System.Globalization;
using System.Net;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Sources;

/// <summary>
/// One source IP: rolling DMARC and IDS evidence, its anomaly score, its threat score and the decision on it. Records are observed one by one
/// and the address is assessed once per batch; a new decision is made only when none is in force or the score
/// reached a worse layer. Critical blocks (enforced only when configured) and notifies, high asks for analyst
/// review and notifies, medium is reassessed later, low is monitored; allowlisted addresses are recorded only.
/// </summary>
public sealed class SourceIpGrain(string ip, GrainSettings settings)
{
    private readonly IPAddress _address = Networks.TryParseAddress(ip, out var address)
        ? address : throw new ArgumentException($"Source-IP grain key '{ip}' is not an IP address.", nameof(ip));

    private readonly AlertGate _gate = new(settings, GrainTypes.SourceIp, ip);

    /// <summary>Adds a record to the evidence; <see cref="Assess"/> decides once the batch is in.</summary>
    public SourceIpState Observe(SourceIpState state, DmarcRecordEvent record, DateTimeOffset now) =>
        SourceEvidence.Add(state, record, now, settings.Decisions);

    /// <summary>Counts a failure report naming the address; <see cref="Assess"/> decides once the batch is in.</summary>
    public SourceIpState Observe(SourceIpState state, DmarcFailureEvent failure, DateTimeOffset now) =>
        SourceEvidence.Add(state, failure, now, settings.Decisions);

    /// <summary>Adds what an IDS log said of the address; <see cref="Assess"/> decides once the batch is in.</summary>
    public SourceIpState Observe(SourceIpState state, IdsEvidenceEvent ids, DateTimeOffset now) =>
        SourceEvidence.Add(state, ids, now, settings);

    /// <summary>Takes who the address is: a verified known forwarder's DMARC failures are the forwarding's;
    /// <see cref="Assess"/> scores again once the batch is in.</summary>
    public static SourceIpState Observe(SourceIpState state, SourceIdentifiedEvent identified) => SourceEvidence.Add(state, identified);

    /// <summary>Takes the anomaly detector's latest score; <see cref="Assess"/> decides once the batch is in.</summary>
    public static SourceIpState Observe(SourceIpState state, AnomalyScoredEvent anomaly) => SourceEvidence.Add(state, anomaly);

    public GrainStep<SourceIpState> Assess(SourceIpState state, DateTimeOffset now, string origin = DecisionOrigins.Dmarc)
    {
        var emit = new Emissions();
        state = SourceEvidence.Prune(state, now, settings.Decisions);
        var (evidence, score) = Score(state, now);
        state = state with { Assessment = new SourceAssessment(now, score) };
        var current = state.LastDecision is { } last && last.InForce(now) ? last : null;
        if (score.Severity == Severity.Info || (current is not null && score.Severity <= current.Decision.Severity))
        {
            return emit.Step(state);
        }

        return emit.Step(Decide(state, evidence, score, origin, current, now, emit));
    }

    /// <summary>The last decision follows the review. A dismissal also takes back the offence, and lifts a block
    /// that was enforced.</summary>
    public GrainStep<SourceIpState> Review(SourceIpState state, DecisionReviewedEvent review, DateTimeOffset now)
    {
        var emit = new Emissions();
        var dismissed = review.Outcome == ReviewOutcome.Dismissed;
        if (dismissed)
        {
            state = state with { Offences = [.. state.Offences.Where(o => o.DecisionId != review.DecisionId)] };
        }

        if (state.LastDecision is { } last && last.Decision.DecisionId == review.DecisionId)
        {
            state = state with { LastDecision = last with { Status = dismissed ? DecisionStatus.Dismissed : DecisionStatus.Approved } };
            var d = last.Decision;
            if (dismissed && last.InForce(now) && d.Action == DecisionAction.Block && !d.Simulated && !d.SuppressedByAllowlist)
            {
                emit.Outbox.Add(new OutboxOutput(OutboxChannel.Enforce, OutboxOutput.DecisionLift, Decision: d));
            }
        }

        return emit.Step(state);
    }

    /// <summary>An analyst's block: a new enforced decision (origin manual) that replaces the one in force, sent to
    /// the bouncers unless the address is allowlisted and the allowlist was not bypassed.</summary>
    public GrainStep<SourceIpState> Block(SourceIpState state, ManualBlockEvent block, DateTimeOffset now)
    {
        var emit = new Emissions();
        state = SourceEvidence.Prune(state, now, settings.Decisions);
        var (_, score) = Score(state, now);
        var allowlisted = block.BypassAllowlist ? null : settings.Allowlist.Match(_address);
        var current = state.LastDecision is { } last && last.InForce(now) ? last : null;
        var decision = DecisionMaker.Manual(_address, score, allowlisted, DecisionMaker.Id(ip, state.DecisionSequence + 1),
            current?.Decision.DecisionId, now, block.Duration, block.Reason, block.By, settings.Decisions);
        emit.Decisions.Add(decision);
        if (allowlisted is null)
        {
            emit.Outbox.Add(new OutboxOutput(OutboxChannel.Enforce, OutboxOutput.DecisionBlock, Decision: decision));
        }

        return emit.Step(state with
        {
            Assessment = new SourceAssessment(now, score),
            LastDecision = new DecisionRecord(decision, DecisionStatus.Approved, null),
            DecisionSequence = state.DecisionSequence + 1,
        });
    }

    /// <summary>The learned-severity model rates the decision in force higher than the rules did, and an Admin let it
    /// decide: a new decision at the model's severity (origin learned) replaces it, by the same path as the grain's own
    /// (dry-run, allowlist, offences, alerts). Nothing happens when that decision is no longer the one in force, an
    /// analyst has reviewed it, or the model does not rate it higher: the model never lowers what the rules decided.</summary>
    public GrainStep<SourceIpState> Escalate(SourceIpState state, LearnedSeverityEvent learned, DateTimeOffset now)
    {
        var emit = new Emissions();
        if (state.LastDecision is not { Status: DecisionStatus.Active } current || current.Decision.DecisionId != learned.DecisionId
            || !current.InForce(now) || learned.Severity <= current.Decision.Severity)
        {
            return emit.Step(state);
        }

        state = SourceEvidence.Prune(state, now, settings.Decisions);
        var (evidence, score) = Score(state, now);
        state = state with { Assessment = new SourceAssessment(now, score) };
        var raised = new RaisedSeverity(learned.Severity, string.Create(CultureInfo.InvariantCulture,
            $"learned severity model {learned.ModelVersion} (probability {learned.Probability:0.000}, confidence {learned.Confidence:0.00})"));
        return emit.Step(Decide(state, evidence, score, DecisionOrigins.Learned, current, now, emit, raised));
    }

    public GrainStep<SourceIpState> CloseAlert(SourceIpState state, AlertClosedEvent closed, DateTimeOffset now) =>
        new Emissions().Step(state with { Alerts = _gate.Close(state.Alerts, closed.Fingerprint, now) });

    /// <summary>Expires the decision past its TTL, reassesses a medium one when due (a new decision only when the
    /// layer changed), and lets old evidence go, assessing again what is left; null when nothing changed.</summary>
    public GrainStep<SourceIpState>? Tick(SourceIpState state, DateTimeOffset now)
    {
        var emit = new Emissions();
        var next = SourceEvidence.Prune(state, now, settings.Decisions);
        if (next != state && next.Assessment is not null)
        {
            next = next with { Assessment = new SourceAssessment(now, Score(next, now).Score) };
        }

        next = next with { Alerts = _gate.Prune(next.Alerts, now) };
        if (next.LastDecision is { Status: not DecisionStatus.Expired } last && now >= last.Decision.ExpiresAt)
        {
            next = next with { LastDecision = last with { Status = DecisionStatus.Expired } };
        }
        else if (next.LastDecision is { Status: DecisionStatus.Active or DecisionStatus.Approved, ReassessAt: { } due } medium && now >= due)
        {
            var (evidence, score) = Score(next, now);
            next = next with { Assessment = new SourceAssessment(now, score) };
            next = score.Severity == medium.Decision.Severity
                ? next with { LastDecision = medium with { ReassessAt = now + settings.Decisions.ReassessAfter } }
                : Decide(next, evidence, score, DecisionOrigins.Reassessment, medium, now, emit);
        }

        return next == state ? null : emit.Step(next);
    }

    private (ThreatEvidence Evidence, ThreatScore Score) Score(SourceIpState state, DateTimeOffset now)
    {
        var evidence = SourceEvidence.Evidence(state, _address, now, settings);
        return (evidence, ThreatScorer.Score(evidence, settings.Scoring));
    }

    private SourceIpState Decide(
        SourceIpState state, ThreatEvidence evidence, ThreatScore score, string origin, DecisionRecord? current, DateTimeOffset now, Emissions emit,
        RaisedSeverity? raised = null)
    {
        var allowlisted = settings.Allowlist.Match(_address);
        var decision = DecisionMaker.Make(_address, score, evidence, allowlisted, origin,
            DecisionMaker.Id(ip, state.DecisionSequence + 1), current?.Decision.DecisionId, now, settings.Decisions, raised);
        emit.Decisions.Add(decision);
        state = state with
        {
            LastDecision = new DecisionRecord(decision, DecisionStatus.Active, decision.ReassessAt),
            DecisionSequence = state.DecisionSequence + 1,
            Offences = allowlisted is null && decision.Severity >= Severity.High ? [.. state.Offences, new Offence(decision.DecisionId, now)] : state.Offences,
        };
        if (allowlisted is not null)
        {
            return state;
        }

        if (decision.Action == DecisionAction.Block && !decision.Simulated)
        {
            emit.Outbox.Add(new OutboxOutput(OutboxChannel.Enforce, OutboxOutput.DecisionBlock, Decision: decision));
        }

        if (decision.Severity < Severity.High)
        {
            return state;
        }

        var candidate = new AlertCandidate(AlertRules.SourceThreat, $"{decision.Severity} threat from {decision.Ip}", decision.Reason,
            new Dictionary<string, string> { ["severity"] = decision.Severity.ToString() }, Ip: decision.Ip, Severity: decision.Severity, Decision: decision);
        return state with { Alerts = _gate.Raise(state.Alerts, candidate, now, emit).Book };
    }
}
