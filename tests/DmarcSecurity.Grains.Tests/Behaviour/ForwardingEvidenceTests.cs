using System.Net;
using System.Text.Json;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.Grains.Settings;
using DmarcSecurity.Grains.Sources;
using static DmarcSecurity.Grains.Tests.Behaviour.TestData;

namespace DmarcSecurity.Grains.Tests.Behaviour;

/// <summary>Failures the receiver put down to a forwarder or mailing list: counted apart, not as evidence against the
/// address.</summary>
public class ForwardingEvidenceTests
{
    private const string Ip = "192.0.2.50";
    private static readonly DateTimeOffset s_now = At(FirstDay.AddDays(1), 6);

    [Fact]
    public void A_mailing_lists_failures_are_forwarded_not_failing_and_raise_nothing_against_it()
    {
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var spoofer = new SourceIpGrain("198.51.100.60", GrainSettings.Default);

        var list = grain.Observe(new SourceIpState(), Record(FirstDay, 500, failing: true, disposition: "none") with { Forwarding = "mailing_list" }, s_now);
        list = grain.Observe(list, Record(FirstDay, 20, failing: true), s_now);
        var spoofed = spoofer.Observe(new SourceIpState(), Record(FirstDay, 520, failing: true), s_now);

        var day = Assert.Single(list.Days);
        Assert.Equal((520L, 20L, 500L), (day.Messages, day.FailingBoth, day.Forwarded));
        Assert.Equal((20L, 1L), (list.Domains[Domain].FailingBoth, list.Domains.Count));
        var evidence = SourceEvidence.Evidence(list, IPAddress.Parse(Ip), s_now, GrainSettings.Default);
        Assert.Equal((520L, 20L, 500L), (evidence.Messages, evidence.FailingBoth, evidence.Forwarded));
        var spoofEvidence = SourceEvidence.Evidence(spoofed, IPAddress.Parse("198.51.100.60"), s_now, GrainSettings.Default);
        Assert.Equal((520L, 0L), (spoofEvidence.FailingBoth, spoofEvidence.Forwarded));
        Assert.True(
            Decisions.ThreatScorer.Score(evidence, GrainSettings.Default.Scoring).Score < Decisions.ThreatScorer.Score(spoofEvidence, GrainSettings.Default.Scoring).Score);
    }

    [Fact]
    public void A_verified_known_forwarders_failures_are_forwarded_and_a_claim_by_its_reverse_DNS_name_alone_changes_nothing()
    {
        var handler = new SourceIpGrainHandler(new FixedGrainSettings(GrainSettings.Default));
        var grain = new SourceIpGrain(Ip, GrainSettings.Default);
        var failing = grain.Observe(new SourceIpState(), Record(FirstDay, 500, failing: true, disposition: "none"), s_now);
        var failure = new DmarcFailureEvent("f1", "reporter.example", Domain, At(FirstDay, 3), ["dmarc"], "delivered");
        failing = grain.Observe(failing, failure, s_now);
        InboxEvent Identified(long id, string? service, string? kind, bool verified) => new(id, GrainTypes.SourceIp, Ip, GrainEventTypes.SourceIdentified,
            JsonSerializer.Serialize(new SourceIdentifiedEvent(service, kind, verified), GrainEventJson.Default.SourceIdentifiedEvent), s_now);
        SourceIpState Apply(SourceIpState state, InboxEvent e) =>
            JsonSerializer.Deserialize(handler.Apply(Ip, JsonSerializer.Serialize(state, GrainJsonContext.Default.SourceIpState), [e], s_now).State,
                GrainJsonContext.Default.SourceIpState)!;

        var known = Apply(failing, Identified(1, "Google Groups", "forwarder", verified: true));
        var claimed = Apply(failing, Identified(2, "Google Groups", "forwarder", verified: false));
        var mailbox = Apply(failing, Identified(3, "Google Workspace", "mailbox-provider", verified: true));
        var gone = Apply(known, Identified(4, null, null, verified: false));

        Assert.Equal(("Google Groups", (string?)null, (string?)null, (string?)null),
            (known.KnownForwarder, claimed.KnownForwarder, mailbox.KnownForwarder, gone.KnownForwarder));
        ThreatEvidence Evidence(SourceIpState state) => SourceEvidence.Evidence(state, IPAddress.Parse(Ip), s_now, GrainSettings.Default);
        Assert.Equal((500L, 0L, 500L, 0, 0, 0L), Figures(Evidence(known)));
        Assert.Equal((500L, 500L, 0L, 1, 1, 1L), Figures(Evidence(claimed)));
        Assert.Equal(Figures(Evidence(claimed)), Figures(Evidence(gone)));
        // The grain scored again on taking the event.
        Assert.Equal(0, known.Assessment!.Score.Breakdown.Pattern.Value);
        Assert.True(claimed.Assessment!.Score.Breakdown.Pattern.Value > 0.5);
        Assert.Equal(claimed.Assessment.Score.Score, gone.Assessment!.Score.Score, 12);
        Assert.Equal("Google Groups", Evidence(known).KnownForwarder);
        var decision = Decisions.DecisionMaker.Make(IPAddress.Parse(Ip), known.Assessment.Score, Evidence(known), null, DecisionOrigins.Dmarc, Guid.Empty, null,
            s_now, GrainSettings.Default.Decisions);
        Assert.Contains("; 0 of 500 messages failed DKIM and SPF alignment, as 0 domain(s) on 0 day(s) (500 forwarded: a known forwarder, Google Groups); ",
            decision.Reason);
    }

    private static (long Messages, long FailingBoth, long Forwarded, int FailingDomains, int FailingDays, long FailureReports) Figures(ThreatEvidence e) =>
        (e.Messages, e.FailingBoth, e.Forwarded, e.FailingDomains, e.FailingDays, e.FailureReports);

    [Fact]
    public void Days_stored_before_forwarding_was_counted_load_with_none_forwarded()
    {
        var stored = """{"version":1,"days":[{"day":"2025-03-01","messages":60,"failingBoth":60,"none":0,"quarantine":0,"reject":60}]}""";

        var state = JsonSerializer.Deserialize(stored, GrainJsonContext.Default.SourceIpState)!;

        Assert.Equal((60L, 60L, 0L), (state.Days.Single().Messages, state.Days.Single().FailingBoth, state.Days.Single().Forwarded));
    }
}
