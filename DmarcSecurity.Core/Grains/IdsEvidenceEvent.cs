namespace DmarcSecurity.Core.Grains;

/// <summary>What one IDS log (an upload or a tailer's read) says about one source address on one day, summed at
/// ingestion so that a million alerts do not become a million grain events.</summary>
/// <param name="Batch">The IDS ingestion it came from.</param>
/// <param name="Day">The UTC day of the entries.</param>
/// <param name="Alerts">Signature alerts (Snort, Suricata) and notices (Zeek).</param>
/// <param name="TopPriority">The highest priority among them (1 is highest); null when none gave one.</param>
/// <param name="Probes">Connection attempts that were refused or never answered (Zeek conn.log S0, REJ, ...).</param>
/// <param name="Connections">Every connection record (Zeek conn.log).</param>
/// <param name="Signatures">The most frequent signatures, at most <see cref="MaxSignatures"/>.</param>
/// <param name="Targets">The most hit destinations of its alerts and probes, at most <see cref="MaxTargets"/>.</param>
/// <param name="TargetHits">Alerts and probes that named a destination, all of them (not only the listed targets').</param>
/// <param name="DistinctTargets">How many destinations they named.</param>
public sealed record IdsEvidenceEvent(
    long Batch,
    DateOnly Day,
    DateTimeOffset First,
    DateTimeOffset Last,
    long Alerts,
    int? TopPriority,
    long Probes,
    long Connections,
    IReadOnlyList<IdsSignatureCount> Signatures,
    IReadOnlyList<IdsTargetCount> Targets,
    long TargetHits,
    int DistinctTargets)
{
    public const int MaxSignatures = 10;
    public const int MaxTargets = 32;
}

/// <param name="Priority">1 (highest) to 4, from the sensor or else from the classification.</param>
public sealed record IdsSignatureCount(string Signature, string? SignatureId, string? Classification, int? Priority, long Count);

public sealed record IdsTargetCount(string Ip, long Count);

/// <summary>The anomaly detector's verdict on a source address for a day, from its DMARC and IDS features.</summary>
/// <param name="Score">0 (ordinary) to 1 (as unusual as anything seen).</param>
/// <param name="Model">The detector and model version that scored it.</param>
public sealed record AnomalyScoredEvent(DateOnly Day, double Score, string Model);
