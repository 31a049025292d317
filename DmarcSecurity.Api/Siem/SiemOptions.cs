using System.ComponentModel.DataAnnotations;

namespace DmarcSecurity.Api.Siem;

public enum SiemKind
{
    /// <summary>RFC 5424 syslog messages whose body is the event as JSON.</summary>
    Syslog,

    /// <summary>Splunk's HTTP Event Collector.</summary>
    SplunkHec,
}

public enum SyslogTransport
{
    /// <summary>One datagram per message (RFC 5426).</summary>
    Udp,

    /// <summary>Octet-counted frames over TCP (RFC 6587).</summary>
    Tcp,

    /// <summary>Octet-counted frames over TLS (RFC 5425).</summary>
    Tls,
}

/// <summary>One SIEM target: <c>Siem__Targets__&lt;name&gt;__*</c>.</summary>
public sealed class SiemTargetOptions
{
    public SiemKind Kind { get; set; }

    /// <summary>Syslog: the receiver's host and port (514 for UDP and TCP, 6514 for TLS when left out).</summary>
    public string? Host { get; set; }

    public int? Port { get; set; }

    public SyslogTransport Transport { get; set; } = SyslogTransport.Udp;

    /// <summary>Syslog facility, 0..23 (default 13, log audit).</summary>
    [Range(0, 23)]
    public int Facility { get; set; } = 13;

    /// <summary>Syslog over TLS: a PEM file of the certificate authority to trust for the receiver (else the system's).</summary>
    public string? TrustedCertificate { get; set; }

    /// <summary>Splunk: the collector's event endpoint, e.g. <c>https://splunk.example:8088/services/collector/event</c>.</summary>
    public Uri? Url { get; set; }

    /// <summary>Splunk: the HEC token (sent as <c>Authorization: Splunk &lt;token&gt;</c>; never logged).</summary>
    public string? Token { get; set; }

    public string? Index { get; set; }

    public string SourceType { get; set; } = "dmarcsecurity:json";
}

/// <summary>SIEM export (section <c>Siem</c>): alerts and decisions as JSON, to syslog receivers and Splunk.</summary>
public sealed class SiemOptions
{
    public const string SectionName = "Siem";

    public Dictionary<string, SiemTargetOptions> Targets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How often new alerts and decisions are looked for.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How far back a target's first look, or a look after an outage, reaches.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>What is wrong with these settings, each message naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (PollInterval <= TimeSpan.Zero || Lookback <= TimeSpan.Zero)
        {
            yield return "Siem:PollInterval and Siem:Lookback must be above 0.";
        }

        foreach (var (name, t) in Targets)
        {
            var prefix = $"Siem:Targets:{name}";
            if (t.Kind == SiemKind.Syslog && string.IsNullOrWhiteSpace(t.Host))
            {
                yield return $"{prefix}:Host is required for a Syslog target.";
            }

            if (t.Kind == SiemKind.SplunkHec && (t.Url is not { IsAbsoluteUri: true } || string.IsNullOrWhiteSpace(t.Token)))
            {
                yield return $"{prefix}:Url (absolute) and {prefix}:Token are required for a SplunkHec target.";
            }

            if (t.Port is < 1 or > 65535)
            {
                yield return $"{prefix}:Port must be 1..65535.";
            }

            if (t.Facility is < 0 or > 23)
            {
                yield return $"{prefix}:Facility must be 0..23.";
            }

            if (t.TrustedCertificate is { Length: > 0 } ca && !File.Exists(ca))
            {
                yield return $"{prefix}:TrustedCertificate: no file {ca}.";
            }
        }
    }
}
