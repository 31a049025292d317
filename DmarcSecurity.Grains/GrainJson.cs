using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Domains;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Sources;

namespace DmarcSecurity.Grains;

/// <summary>The JSON of grain states, events and outputs: camelCase, enums as names, unknown members ignored
/// (state written by a newer version still loads), missing required members and nulls where none belong refused.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(DomainState))]
[JsonSerializable(typeof(SourceIpState))]
[JsonSerializable(typeof(DmarcReportEvent))]
[JsonSerializable(typeof(DmarcRecordEvent))]
[JsonSerializable(typeof(DmarcFailureEvent))]
[JsonSerializable(typeof(AlertClosedEvent))]
[JsonSerializable(typeof(DecisionReviewedEvent))]
[JsonSerializable(typeof(ManualBlockEvent))]
[JsonSerializable(typeof(LearnedSeverityEvent))]
[JsonSerializable(typeof(IdsEvidenceEvent))]
[JsonSerializable(typeof(AnomalyScoredEvent))]
[JsonSerializable(typeof(DnsPostureChangedEvent))]
[JsonSerializable(typeof(SourceIdentifiedEvent))]
[JsonSerializable(typeof(AlertOutput))]
[JsonSerializable(typeof(DecisionOutput))]
[JsonSerializable(typeof(OutboxOutput))]
public sealed partial class GrainJsonContext : JsonSerializerContext;

/// <summary>The kinds of <see cref="GrainOutput"/> the grain handlers write.</summary>
public static class GrainOutputKinds
{
    public const string Alert = "alert";
    public const string Decision = "decision";
    public const string Outbox = "outbox";
}

internal static class GrainJson
{
    /// <summary>Null state is a new grain. State of a newer version than this code knows is refused rather than
    /// rewritten without the parts it cannot read.</summary>
    public static TState ReadState<TState>(string? json, JsonTypeInfo<TState> info, Func<TState, int> version, int currentVersion)
        where TState : new()
    {
        if (json is null)
        {
            return new TState();
        }

        var state = JsonSerializer.Deserialize(json, info) ?? throw new JsonException($"{typeof(TState).Name} is null.");
        return version(state) <= currentVersion
            ? state
            : throw new NotSupportedException($"{typeof(TState).Name} version {version(state)} is newer than this silo's {currentVersion}.");
    }

    public static T ReadEvent<T>(InboxEvent inboxEvent, JsonTypeInfo<T> info) =>
        JsonSerializer.Deserialize(inboxEvent.Payload, info)
        ?? throw new JsonException($"Inbox event {inboxEvent.Id} ({inboxEvent.EventType}) has a null payload.");

    public static NotSupportedException Unknown(InboxEvent inboxEvent) =>
        new($"Grain type {inboxEvent.GrainType} does not handle event type '{inboxEvent.EventType}' (inbox event {inboxEvent.Id}).");

    /// <summary>The new state as JSON, and the outputs as the objects they are: <see cref="DecisionOutput"/>,
    /// <see cref="AlertOutput"/> and <see cref="OutboxOutput"/> under their <see cref="GrainOutputKinds"/>.</summary>
    public static GrainUpdate Update<TState>(GrainStep<TState> step, JsonTypeInfo<TState> info)
    {
        var outputs = new List<GrainOutput>(step.Decisions.Count + step.Alerts.Count + step.Outbox.Count);
        outputs.AddRange(step.Decisions.Select(d => new GrainOutput(GrainOutputKinds.Decision, d)));
        outputs.AddRange(step.Alerts.Select(a => new GrainOutput(GrainOutputKinds.Alert, a)));
        outputs.AddRange(step.Outbox.Select(o => new GrainOutput(GrainOutputKinds.Outbox, o)));
        return new GrainUpdate(JsonSerializer.Serialize(step.State, info), outputs);
    }
}
