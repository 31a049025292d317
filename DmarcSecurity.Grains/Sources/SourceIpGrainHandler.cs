using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Sources;

/// <summary>Runs <see cref="SourceIpGrain"/> for the runtime: the batch's records are observed in inbox order and
/// the address is assessed once at the end, so one batch makes at most one decision.</summary>
public sealed class SourceIpGrainHandler(IGrainSettingsSource settings) : IGrainHandler
{
    public string GrainType => GrainTypes.SourceIp;

    public TimeSpan? TickInterval => TimeSpan.FromMinutes(15);

    public GrainUpdate Apply(string key, string? state, IReadOnlyList<InboxEvent> events, DateTimeOffset now)
    {
        var json = GrainJsonContext.Default;
        var grain = new SourceIpGrain(key, settings.Current);
        var emit = new Emissions();
        var current = GrainJson.ReadState(state, json.SourceIpState, s => s.Version, SourceIpState.CurrentVersion);
        var observed = false;
        foreach (var e in events)
        {
            switch (e.EventType)
            {
                case GrainEventTypes.DmarcRecord:
                    current = grain.Observe(current, GrainJson.ReadEvent(e, json.DmarcRecordEvent), now);
                    observed = true;
                    break;
                case GrainEventTypes.DmarcFailure:
                    current = grain.Observe(current, GrainJson.ReadEvent(e, json.DmarcFailureEvent), now);
                    observed = true;
                    break;
                case GrainEventTypes.IdsEvidence:
                    current = grain.Observe(current, GrainJson.ReadEvent(e, json.IdsEvidenceEvent), now);
                    observed = true;
                    break;
                case GrainEventTypes.SourceIdentified:
                    current = SourceIpGrain.Observe(current, GrainJson.ReadEvent(e, json.SourceIdentifiedEvent));
                    observed = true;
                    break;
                case GrainEventTypes.AnomalyScored:
                    current = SourceIpGrain.Observe(current, GrainJson.ReadEvent(e, json.AnomalyScoredEvent));
                    observed = true;
                    break;
                case GrainEventTypes.DecisionReviewed:
                    current = emit.Take(grain.Review(current, GrainJson.ReadEvent(e, json.DecisionReviewedEvent), now));
                    break;
                case GrainEventTypes.ManualBlock:
                    current = emit.Take(grain.Block(current, GrainJson.ReadEvent(e, json.ManualBlockEvent), now));
                    break;
                case GrainEventTypes.LearnedSeverity:
                    current = emit.Take(grain.Escalate(current, GrainJson.ReadEvent(e, json.LearnedSeverityEvent), now));
                    break;
                case GrainEventTypes.AlertClosed:
                    current = emit.Take(grain.CloseAlert(current, GrainJson.ReadEvent(e, json.AlertClosedEvent), now));
                    break;
                default:
                    throw GrainJson.Unknown(e);
            }
        }

        if (observed)
        {
            current = emit.Take(grain.Assess(current, now));
        }

        return GrainJson.Update(emit.Step(current), json.SourceIpState);
    }

    public GrainUpdate? Tick(string key, string state, DateTimeOffset now)
    {
        var json = GrainJsonContext.Default;
        var current = GrainJson.ReadState(state, json.SourceIpState, s => s.Version, SourceIpState.CurrentVersion);
        return new SourceIpGrain(key, settings.Current).Tick(current, now) is { } step ? GrainJson.Update(step, json.SourceIpState) : null;
    }
}
