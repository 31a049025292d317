namespace DmarcSecurity.Grains.Alerts;

/// <summary>An alert raised, or a repeat of one still open.</summary>
/// <param name="Fingerprint">SHA-256 (lower-case hex) of rule key, grain key and discriminators.</param>
/// <param name="GrainType">"domain" or "source-ip".</param>
/// <param name="Discriminators">What, besides rule and grain, makes this alert distinct (source IP, reporter...).</param>
/// <param name="IsRepeat">True when the fingerprint is still open: the stored alert's occurrence count goes up by one
/// and no new alert (nor notification) is made.</param>
/// <param name="Occurrences">Occurrences so far as the grain counts them, this one included.</param>
public sealed record AlertOutput(
    string RuleKey,
    string Fingerprint,
    Severity Severity,
    string GrainType,
    string GrainKey,
    string Title,
    string Detail,
    IReadOnlyDictionary<string, string> Discriminators,
    DateTimeOffset OccurredAt,
    bool IsRepeat,
    int Occurrences);
