using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Domains;

/// <summary>Runs <see cref="DomainGrain"/> for the runtime: JSON in, JSON out, settings from the source.</summary>
public sealed class DomainGrainHandler(IGrainSettingsSource settings) : IGrainHandler
{
    public string GrainType => GrainTypes.Domain;

    public TimeSpan? TickInterval => TimeSpan.FromHours(1);

    public GrainUpdate Apply(string key, string? state, IReadOnlyList<InboxEvent> events, DateTimeOffset now)
    {
        var json = GrainJsonContext.Default;
        var grain = new DomainGrain(key, settings.Current);
        var emit = new Emissions();
        var current = GrainJson.ReadState(state, json.DomainState, s => s.Version, DomainState.CurrentVersion);
        foreach (var e in events)
        {
            current = emit.Take(e.EventType switch
            {
                GrainEventTypes.DmarcReport => grain.Apply(current, GrainJson.ReadEvent(e, json.DmarcReportEvent), now),
                GrainEventTypes.DnsPostureChanged => grain.PostureChanged(current, GrainJson.ReadEvent(e, json.DnsPostureChangedEvent), now),
                GrainEventTypes.AlertClosed => grain.CloseAlert(current, GrainJson.ReadEvent(e, json.AlertClosedEvent), now),
                _ => throw GrainJson.Unknown(e),
            });
        }

        return GrainJson.Update(emit.Step(current), json.DomainState);
    }

    public GrainUpdate? Tick(string key, string state, DateTimeOffset now)
    {
        var json = GrainJsonContext.Default;
        var current = GrainJson.ReadState(state, json.DomainState, s => s.Version, DomainState.CurrentVersion);
        return new DomainGrain(key, settings.Current).Tick(current, now) is { } step ? GrainJson.Update(step, json.DomainState) : null;
    }
}
