namespace DmarcSecurity.Core.Grains;

/// <summary>One stored report record, sent to the grain of its source IP.</summary>
/// <param name="PolicyDomain">The report's policy_published domain.</param>
/// <param name="Disposition">none, quarantine, reject (or RFC 9990 pass), lower-case.</param>
/// <param name="DkimAligned">policy_evaluated dkim == pass.</param>
/// <param name="SpfAligned">policy_evaluated spf == pass.</param>
/// <param name="HeaderFrom">The record's header_from domain.</param>
/// <param name="Forwarding">The receiver's override reason naming a forwarder (<c>mailing_list</c>, <c>forwarded</c>,
/// <c>trusted_forwarder</c>), else null, and then left out of the event: most records name none, and the inbox holds an
/// event per record.</param>
public sealed record DmarcRecordEvent(
    string ReportId,
    string PolicyDomain,
    string OrgName,
    DateTimeOffset Begin,
    DateTimeOffset End,
    long Count,
    string Disposition,
    bool DkimAligned,
    bool SpfAligned,
    string HeaderFrom,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Forwarding = null);
