using System.Text.Json;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Settings;
using DmarcSecurity.Grains.Sources;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Behaviour;

/// <summary>DMARC failure reports in the source-IP grain: counted per day of arrival, and a modest part of the DMARC
/// side of the threat score.</summary>
public class FailureReportEvidenceTests
{
    private const string Ip = "203.0.113.77";
    private static readonly DateTimeOffset s_now = Arrival(FirstDay);

    private static DmarcFailureEvent Failure(int id, DateTimeOffset arrival) =>
        new(id.ToString(System.Globalization.CultureInfo.InvariantCulture), "dmarc-noreply@receiver.example", Domain, arrival, ["dmarc", "dkim"], "reject");

    [Fact]
    public void Failure_reports_are_counted_per_day_of_arrival()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);

        var state = grain.Observe(new SourceIpState(), Failure(1, At(FirstDay, 10)), s_now);
        state = grain.Observe(state, Failure(2, At(FirstDay, 11)), s_now);
        state = grain.Observe(state, Failure(3, At(FirstDay.AddDays(-1), 23)), s_now);

        Assert.Equal([new SourceFailureDay(FirstDay.AddDays(-1), 1), new SourceFailureDay(FirstDay, 2)], state.FailureDays);
        Assert.Equal((At(FirstDay.AddDays(-1), 23), At(FirstDay, 11)), (state.FirstSeen, state.LastSeen));
    }

    [Fact]
    public void Failure_report_older_than_the_evidence_window_is_not_counted()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var old = FirstDay.AddDays(-(GrainSettings.Default.Decisions.EvidenceDays + 5));

        var state = grain.Observe(new SourceIpState(), Failure(1, At(old, 9)), s_now);

        Assert.Empty(state.FailureDays);
    }

    [Fact]
    public void State_stored_before_failure_reports_loads_with_none()
    {
        var stored = """{"version":1,"days":[{"day":"2025-03-01","messages":60,"failingBoth":60,"none":0,"quarantine":0,"reject":60}]}""";

        var state = JsonSerializer.Deserialize(stored, GrainJsonContext.Default.SourceIpState)!;

        Assert.Empty(state.FailureDays);
        Assert.Equal(60, state.Days.Single().Messages);
    }

    [Fact]
    public void Failure_reports_raise_the_dmarc_side_of_pattern_by_the_documented_formula()
    {
        var none = ThreatScorer.Score(new ThreatEvidence(100, 10, 0, 10, 1, 1, 0, null, null, false, null), ScoringSettings.Default).Breakdown;
        var five = ThreatScorer.Score(
            new ThreatEvidence(100, 10, 0, 10, 1, 1, 0, null, null, false, null) { FailureReports = 5 }, ScoringSettings.Default).Breakdown;

        var aggregate = 0.1 * Math.Log(11) / Math.Log(1001);
        var reports = 0.25 * Math.Log(6) / Math.Log(21);
        Assert.Equal(aggregate, none.Pattern.Value, 12);
        Assert.Equal(1 - ((1 - aggregate) * (1 - reports)), five.Pattern.Value, 12);
        Assert.Equal(0.1471, five.Pattern.Inputs["failureReports"], 4);
        Assert.Equal(5, five.Pattern.Inputs["failureReportCount"]);
    }

    [Fact]
    public void Failure_reports_alone_stay_a_modest_sign()
    {
        var many = ThreatScorer.Score(
            new ThreatEvidence(0, 0, 0, 0, 0, 0, 0, null, null, false, null) { FailureReports = 500 }, ScoringSettings.Default);

        Assert.Equal(0.25, many.Breakdown.Pattern.Value, 12);
        Assert.Equal(0.25 * 0.30, many.Score, 12);
        Assert.Equal(Severity.Info, many.Severity);
    }

    [Fact]
    public void Handler_takes_failure_events_and_assesses_with_them()
    {
        var handler = new SourceIpGrainHandler(new FixedGrainSettings(GrainSettings.Default));
        var events = Enumerable.Range(1, 3)
            .Select(i => new InboxEvent(i, GrainTypes.SourceIp, Ip, GrainEventTypes.DmarcFailure,
                JsonSerializer.Serialize(Failure(i, At(FirstDay, i)), GrainEventJson.Default.DmarcFailureEvent), s_now))
            .ToList();

        var update = handler.Apply(Ip, null, events, s_now);

        var state = JsonSerializer.Deserialize(update.State, GrainJsonContext.Default.SourceIpState)!;
        Assert.Equal(new SourceFailureDay(FirstDay, 3), Assert.Single(state.FailureDays));
        Assert.Equal(0.25 * Math.Log(4) / Math.Log(21), state.Assessment!.Score.Breakdown.Pattern.Value, 12);
        Assert.Equal(3, state.Assessment.Score.Breakdown.Pattern.Inputs["failureReportCount"]);
    }
}
