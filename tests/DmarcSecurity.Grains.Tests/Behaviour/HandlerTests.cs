using System.Text.Json;
using System.Text.Json.Nodes;
using DmarcSecurity.Grains.Domains;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Settings;
using DmarcSecurity.Grains.Sources;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Behaviour;

public class HandlerTests
{
    private const string Ip = "192.0.2.99";

    /// <summary>What ingestion would write: plain web JSON, not the grains' own serializer.</summary>
    private static readonly JsonSerializerOptions s_ingestionJson = new(JsonSerializerDefaults.Web);

    private static readonly DmarcReportEvent s_spoofed = Report(FirstDay, Pass("198.51.100.10", 500), Fail("203.0.113.5", 40));

    private static InboxEvent Event<T>(long id, string grainType, string key, string type, T payload) =>
        new(id, grainType, key, type, JsonSerializer.Serialize(payload, s_ingestionJson), Arrival(FirstDay));

    private static InboxEvent ReportEvent(long id, DmarcReportEvent report) => Event(id, GrainTypes.Domain, Domain, GrainEventTypes.DmarcReport, report);

    private static DomainGrainHandler DomainHandler() => new(new FixedGrainSettings(GrainSettings.Default));

    /// <summary>An output as the JSON it would be stored or sent as.</summary>
    private static JsonNode Output(GrainUpdate update, string kind)
    {
        var value = Assert.Single(update.Outputs, o => o.Kind == kind).Value;
        return JsonSerializer.SerializeToNode(value, GrainJsonContext.Default.GetTypeInfo(value.GetType())!)!;
    }

    [Fact]
    public void Handlers_name_their_grain_types_and_tick_intervals()
    {
        var source = new SourceIpGrainHandler(new FixedGrainSettings(GrainSettings.Default));

        Assert.Equal(("domain", TimeSpan.FromHours(1)), (DomainHandler().GrainType, DomainHandler().TickInterval));
        Assert.Equal(("source-ip", TimeSpan.FromMinutes(15)), (source.GrainType, source.TickInterval));
    }

    [Fact]
    public void Domain_handler_writes_camel_case_alert_and_outbox_outputs()
    {
        var update = DomainHandler().Apply(Domain, null, [ReportEvent(1, s_spoofed)], Arrival(FirstDay));

        var alert = Output(update, GrainOutputKinds.Alert);
        Assert.Equal("domain.new-source", (string?)alert["ruleKey"]);
        Assert.Equal("Medium", (string?)alert["severity"]);
        Assert.Equal("203.0.113.5", (string?)alert["discriminators"]!["sourceIp"]);
        Assert.False((bool)alert["isRepeat"]!);
        var outbox = Output(update, GrainOutputKinds.Outbox);
        Assert.Equal(("Notify", "alert.raised"), ((string?)outbox["channel"], (string?)outbox["messageType"]));
        Assert.Equal((string?)alert["fingerprint"], (string?)outbox["alert"]!["fingerprint"]);
    }

    [Fact]
    public void Domain_handler_reads_a_DNS_posture_change_as_the_Api_writes_it_and_raises_one_alert()
    {
        var changed = new DnsPostureChangedEvent(7, Arrival(FirstDay), ["DMARC p: reject -> none"], "0123456789abcdef", true);
        var payload = JsonSerializer.Serialize(changed, GrainEventJson.Default.DnsPostureChangedEvent);
        InboxEvent Posture(long id) => new(id, GrainTypes.Domain, Domain, GrainEventTypes.DnsPostureChanged, payload, Arrival(FirstDay));

        var first = DomainHandler().Apply(Domain, null, [Posture(1)], Arrival(FirstDay));
        var again = DomainHandler().Apply(Domain, first.State, [Posture(2)], Arrival(FirstDay).AddHours(1));

        var alert = Output(first, GrainOutputKinds.Alert);
        Assert.Equal(("domain.dns-posture-change", "Medium", false), ((string?)alert["ruleKey"], (string?)alert["severity"], (bool)alert["isRepeat"]!));
        Assert.Equal("0123456789abcdef", (string?)alert["discriminators"]!["posture"]);
        Assert.True((bool)Output(again, GrainOutputKinds.Alert)["isRepeat"]!);
    }

    [Fact]
    public void Domain_state_survives_serialization_between_batches()
    {
        var handler = DomainHandler();
        var first = handler.Apply(Domain, null, [ReportEvent(1, s_spoofed)], Arrival(FirstDay));

        var second = handler.Apply(Domain, first.State, [ReportEvent(2, s_spoofed with { ReportId = "yahoo-1", OrgName = "yahoo.com" })], Arrival(FirstDay).AddHours(1));

        var alert = Output(second, GrainOutputKinds.Alert);
        Assert.Equal((true, 2), ((bool)alert["isRepeat"]!, (int)alert["occurrences"]!));
        var state = JsonSerializer.Deserialize(second.State, GrainJsonContext.Default.DomainState)!;
        Assert.Equal(1080, state.Days.Single().Messages);
        Assert.Equal(["google.com", "yahoo.com"], state.Reporters.Keys.Order());
        Assert.Equal(second.State, JsonSerializer.Serialize(state, GrainJsonContext.Default.DomainState));
    }

    [Fact]
    public void Alert_closed_event_reopens_the_alert_after_its_cooldown()
    {
        var handler = DomainHandler();
        var first = handler.Apply(Domain, null, [ReportEvent(1, s_spoofed)], Arrival(FirstDay));
        var fingerprint = (string)Output(first, GrainOutputKinds.Alert)["fingerprint"]!;
        var closed = Event(2, GrainTypes.Domain, Domain, GrainEventTypes.AlertClosed, new AlertClosedEvent(fingerprint));

        var later = handler.Apply(Domain, first.State, [closed, ReportEvent(3, s_spoofed with { ReportId = "later" })], Arrival(FirstDay).AddDays(2));

        Assert.False((bool)Output(later, GrainOutputKinds.Alert)["isRepeat"]!);
    }

    [Fact]
    public void State_stored_with_the_derived_open_alert_list_loads_and_is_stored_without_it()
    {
        var handler = DomainHandler();
        var first = JsonNode.Parse(handler.Apply(Domain, null, [ReportEvent(1, s_spoofed)], Arrival(FirstDay)).State)!;
        first["alerts"]!["open"] = first["alerts"]!["alerts"]!.DeepClone();

        var second = handler.Apply(Domain, first.ToJsonString(), [ReportEvent(2, s_spoofed with { ReportId = "r2" })], Arrival(FirstDay).AddHours(1));

        Assert.Equal(2, (int)Output(second, GrainOutputKinds.Alert)["occurrences"]!);
        var alerts = JsonNode.Parse(second.State)!["alerts"]!.AsObject();
        Assert.Equal(["alerts"], alerts.Select(p => p.Key));
        Assert.Single(alerts["alerts"]!.AsArray());
    }

    [Fact]
    public void Unknown_fields_from_a_newer_version_are_tolerated()
    {
        var handler = DomainHandler();
        var first = JsonNode.Parse(handler.Apply(Domain, null, [ReportEvent(1, s_spoofed)], Arrival(FirstDay)).State)!;
        first["futureBaseline"] = new JsonObject { ["model"] = "seasonal", ["weights"] = new JsonArray(1, 2, 3) };
        first["alerts"]!["alerts"]![0]!["acknowledgedBy"] = "analyst";
        var payload = JsonNode.Parse(JsonSerializer.Serialize(s_spoofed with { ReportId = "r2" }, s_ingestionJson))!;
        payload["schemaHint"] = "dmarcbis";
        payload["rows"]![0]!["envelopeTo"] = "example.net";
        var inbox = new InboxEvent(2, GrainTypes.Domain, Domain, GrainEventTypes.DmarcReport, payload.ToJsonString(), Arrival(FirstDay));

        var second = handler.Apply(Domain, first.ToJsonString(), [inbox], Arrival(FirstDay).AddHours(1));

        Assert.Equal(2, (int)Output(second, GrainOutputKinds.Alert)["occurrences"]!);
    }

    [Fact]
    public void State_of_a_newer_version_is_refused()
    {
        var state = JsonNode.Parse(DomainHandler().Apply(Domain, null, [ReportEvent(1, s_spoofed)], Arrival(FirstDay)).State)!;
        state["version"] = DomainState.CurrentVersion + 1;

        var error = Assert.Throws<NotSupportedException>(() => DomainHandler().Tick(Domain, state.ToJsonString(), Arrival(FirstDay)));

        Assert.Contains("version 2", error.Message);
    }

    [Fact]
    public void Unknown_event_type_is_refused_rather_than_dropped()
    {
        var inbox = new InboxEvent(7, GrainTypes.Domain, Domain, "ids.alert", "{}", Arrival(FirstDay));

        var error = Assert.Throws<NotSupportedException>(() => DomainHandler().Apply(Domain, null, [inbox], Arrival(FirstDay)));

        Assert.Contains("'ids.alert'", error.Message);
    }

    [Fact]
    public void Event_missing_a_required_member_is_refused()
    {
        var inbox = new InboxEvent(8, GrainTypes.Domain, Domain, GrainEventTypes.AlertClosed, """{"somethingElse":"x"}""", Arrival(FirstDay));

        Assert.ThrowsAny<JsonException>(() => DomainHandler().Apply(Domain, null, [inbox], Arrival(FirstDay)));
    }

    [Fact]
    public void Source_handler_assesses_a_batch_once_and_writes_the_decision()
    {
        var handler = new SourceIpGrainHandler(new FixedGrainSettings(ReputationOnly(0.95, Ip)));
        var records = Enumerable.Range(1, 3)
            .Select(i => Event(i, GrainTypes.SourceIp, Ip, GrainEventTypes.DmarcRecord, Record(FirstDay, 10 * i, failing: true)))
            .ToList();

        var update = handler.Apply(Ip, null, records, Arrival(FirstDay));

        var decision = Output(update, GrainOutputKinds.Decision);
        Assert.Equal(("Block", "Critical", true, "04:00:00"),
            ((string?)decision["action"], (string?)decision["severity"], (bool)decision["simulated"]!, (string?)decision["ttl"]));
        Assert.Equal(60, (double)decision["breakdown"]!["pattern"]!["inputs"]!["failingBoth"]!);
        Assert.Equal(0.95, (double)decision["breakdown"]!["reputation"]!["value"]!);
        Assert.Single(update.Outputs, o => o.Kind == GrainOutputKinds.Alert);
        Assert.Single(update.Outputs, o => o.Kind == GrainOutputKinds.Outbox);
        Assert.Equal(60, JsonSerializer.Deserialize(update.State, GrainJsonContext.Default.SourceIpState)!.Days.Single().Messages);
    }

    [Fact]
    public void Source_handler_takes_a_learned_severity_event()
    {
        var handler = new SourceIpGrainHandler(new FixedGrainSettings(ReputationOnly(0.75, Ip)));
        var decided = handler.Apply(Ip, null, [Event(1, GrainTypes.SourceIp, Ip, GrainEventTypes.DmarcRecord, Record(FirstDay, 10, true))], Arrival(FirstDay));
        var id = (Guid)Output(decided, GrainOutputKinds.Decision)["decisionId"]!;
        var learned = Event(2, GrainTypes.SourceIp, Ip, GrainEventTypes.LearnedSeverity, new LearnedSeverityEvent(id, Severity.Critical, 0.97, 0.94, 2));

        var raised = handler.Apply(Ip, decided.State, [learned], Arrival(FirstDay).AddMinutes(1));

        var decision = Output(raised, GrainOutputKinds.Decision);
        Assert.Equal(("Block", "Critical", "learned", id), ((string?)decision["action"], (string?)decision["severity"], (string?)decision["origin"], (Guid)decision["supersedes"]!));
    }

    [Fact]
    public void Source_handler_follows_a_review_and_ticks_to_expiry()
    {
        var handler = new SourceIpGrainHandler(new FixedGrainSettings(ReputationOnly(0.95, Ip, enforce: true)));
        var decided = handler.Apply(Ip, null, [Event(1, GrainTypes.SourceIp, Ip, GrainEventTypes.DmarcRecord, Record(FirstDay, 10, true))], Arrival(FirstDay));
        var id = (Guid)Output(decided, GrainOutputKinds.Decision)["decisionId"]!;
        var review = Event(2, GrainTypes.SourceIp, Ip, GrainEventTypes.DecisionReviewed, new DecisionReviewedEvent(id, ReviewOutcome.Dismissed, "analyst@example.com"));

        var reviewed = handler.Apply(Ip, decided.State, [review], Arrival(FirstDay).AddMinutes(5));

        var lift = Output(reviewed, GrainOutputKinds.Outbox);
        Assert.Equal(("Enforce", "decision.lift"), ((string?)lift["channel"], (string?)lift["messageType"]));
        Assert.Null(handler.Tick(Ip, reviewed.State, Arrival(FirstDay).AddHours(1)));
        var expired = handler.Tick(Ip, reviewed.State, Arrival(FirstDay).AddHours(4))!;
        Assert.Empty(expired.Outputs);
        Assert.Equal(DecisionStatus.Expired, JsonSerializer.Deserialize(expired.State, GrainJsonContext.Default.SourceIpState)!.LastDecision!.Status);
    }
}
