namespace DmarcSecurity.Core.Ids;

/// <summary>The sensor that wrote a log line.</summary>
public enum IdsSensor
{
    Snort,
    Suricata,
    Zeek,
}

/// <summary>The log formats the platform reads.</summary>
public enum IdsFormat
{
    /// <summary>Snort 2 and 3 <c>alert_fast</c> lines.</summary>
    SnortFast,

    /// <summary>Suricata's <c>fast.log</c>: the same shape as Snort's, written by Suricata.</summary>
    SuricataFast,

    /// <summary>Suricata EVE JSON, one object per line.</summary>
    SuricataEve,

    /// <summary>Zeek's tab-separated logs, read by their <c>#fields</c> header (conn.log, notice.log).</summary>
    ZeekTsv,

    /// <summary>Zeek's JSON logs, one object per line.</summary>
    ZeekJson,
}

/// <summary>What a log line tells about a source address.</summary>
public enum IdsEventKind
{
    /// <summary>A signature matched (Snort, Suricata).</summary>
    Alert,

    /// <summary>A Zeek notice.</summary>
    Notice,

    /// <summary>A Zeek connection record (conn.log): not a finding in itself, counted as evidence of probing.</summary>
    Connection,
}

/// <summary>One IDS log entry about a source address, in the sensor's own words.</summary>
/// <param name="At">When the sensor saw it (the entry's own time, UTC), not when it was read.</param>
/// <param name="SourceIp">The originating address, as text in its canonical form.</param>
/// <param name="DestinationIp">The address it targeted, when the entry names one.</param>
/// <param name="Protocol">TCP, UDP, ICMP, ... upper-case, when known.</param>
/// <param name="Signature">The alert's message (Snort/Suricata), the notice's note and message (Zeek), or the
/// connection's state (Zeek conn.log, e.g. "S0").</param>
/// <param name="SignatureId">gid:sid:rev for Snort and Suricata, the notice name for Zeek.</param>
/// <param name="Classification">The rule's classtype description, when given.</param>
/// <param name="Priority">1 (highest) to 4: Snort's priority, Suricata's severity (a rule may set up to 255); null when the
/// sensor gives none (Snort 3 writes 0 for that).</param>
/// <param name="Action">What the sensor did (allowed, blocked, drop, ...), when it says.</param>
public sealed record IdsEvent(
    IdsEventKind Kind,
    IdsSensor Sensor,
    DateTimeOffset At,
    string SourceIp,
    int? SourcePort,
    string? DestinationIp,
    int? DestinationPort,
    string? Protocol,
    string Signature,
    string? SignatureId,
    string? Classification,
    int? Priority,
    string? Action);
