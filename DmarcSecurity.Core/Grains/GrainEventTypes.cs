namespace DmarcSecurity.Core.Grains;

/// <summary>The inbox event type names the grains understand; ingestion writes them next to the JSON payload.</summary>
public static class GrainEventTypes
{
    /// <summary><see cref="DmarcReportEvent"/>, for the domain grain of the report's policy domain.</summary>
    public const string DmarcReport = "dmarc.report";

    /// <summary><see cref="DmarcRecordEvent"/>, for the source-IP grain of the record's source address.</summary>
    public const string DmarcRecord = "dmarc.record";

    /// <summary><see cref="DmarcFailureEvent"/>, for the source-IP grain of the address a stored failure report names.</summary>
    public const string DmarcFailure = "dmarc.failure";

    /// <summary><see cref="AlertClosedEvent"/>, for the grain that raised the alert.</summary>
    public const string AlertClosed = "alert.closed";

    /// <summary><see cref="DecisionReviewedEvent"/>, for the source-IP grain that made the decision.</summary>
    public const string DecisionReviewed = "decision.reviewed";

    /// <summary><see cref="ManualBlockEvent"/>, for the source-IP grain of the address an analyst blocks.</summary>
    public const string ManualBlock = "decision.manual-block";

    /// <summary><see cref="LearnedSeverityEvent"/>, for the source-IP grain whose decision the model rated higher.</summary>
    public const string LearnedSeverity = "decision.learned-severity";

    /// <summary><see cref="IdsEvidenceEvent"/>, for the source-IP grain of the address an IDS log names.</summary>
    public const string IdsEvidence = "ids.evidence";

    /// <summary><see cref="AnomalyScoredEvent"/>, for the source-IP grain the anomaly detector scored.</summary>
    public const string AnomalyScored = "anomaly.scored";

    /// <summary><see cref="SourceIdentifiedEvent"/>, for the source-IP grain of an address found to be, or to be no
    /// longer, a known forwarder.</summary>
    public const string SourceIdentified = "source.identified";

    /// <summary><see cref="DnsPostureChangedEvent"/>, for the domain grain whose published DNS changed.</summary>
    public const string DnsPostureChanged = "dns.posture-changed";
}
