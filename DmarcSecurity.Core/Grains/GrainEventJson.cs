using System.Text.Json;
using System.Text.Json.Serialization;

namespace DmarcSecurity.Core.Grains;

/// <summary>How grain events are written to the inbox: camelCase, enums as names — the same options the grains read with.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
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
public sealed partial class GrainEventJson : JsonSerializerContext;
