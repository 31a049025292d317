using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Decisions;

namespace DmarcSecurity.Api.Siem;

/// <summary>An alert or a decision as a SIEM receives it: one JSON object, and its syslog framing.</summary>
public sealed record SiemEvent(string Kind, string Item, DateTimeOffset At, string Severity, JsonObject Body)
{
    public static SiemEvent From(AlertEntity a) => new("alert", a.Id.ToString(CultureInfo.InvariantCulture), a.FirstSeenAt, a.Severity, new JsonObject
    {
        ["type"] = "alert",
        ["id"] = a.Id,
        ["rule"] = a.RuleKey,
        ["severity"] = a.Severity,
        ["grainType"] = a.GrainType,
        ["key"] = a.GrainKey,
        ["title"] = a.Title,
        ["detail"] = a.Detail,
        ["status"] = a.Status.ToString(),
        ["occurrences"] = a.Occurrences,
        ["firstSeenAt"] = a.FirstSeenAt.ToUniversalTime(),
        ["lastSeenAt"] = a.LastSeenAt.ToUniversalTime(),
    });

    public static SiemEvent From(DecisionEntity d) => new("decision", d.Id.ToString(), d.IssuedAt, d.Severity, new JsonObject
    {
        ["type"] = "decision",
        ["id"] = d.Id,
        ["ip"] = d.Ip,
        ["cidr"] = d.Cidr,
        ["action"] = d.Action,
        ["severity"] = d.Severity,
        ["score"] = d.Score,
        ["origin"] = d.Origin,
        ["reason"] = d.Reason,
        ["simulated"] = d.Simulated,
        ["suppressedByAllowlist"] = d.SuppressedByAllowlist,
        ["issuedAt"] = d.IssuedAt.ToUniversalTime(),
        ["expiresAt"] = d.ExpiresAt.ToUniversalTime(),
    });

    public string Json => Body.ToJsonString();

    /// <summary>An RFC 5424 message: <c>&lt;PRI&gt;1 TIMESTAMP HOST dmarcsecurity - KIND - JSON</c>, PRI = facility × 8 +
    /// severity (critical 2, high 3, medium 4, low 5, info 6).</summary>
    public byte[] Syslog(int facility, string host)
    {
        var severity = Severity switch { "Critical" => 2, "High" => 3, "Medium" => 4, "Low" => 5, _ => 6 };
        var header = string.Create(CultureInfo.InvariantCulture,
            $"<{(facility * 8) + severity}>1 {At.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {host} dmarcsecurity - {Kind} - ");
        return Encoding.UTF8.GetBytes(header + Json);
    }

    /// <summary>Splunk HEC's event envelope.</summary>
    public string Hec(string host, SiemTargetOptions target)
    {
        var envelope = new JsonObject
        {
            ["time"] = At.ToUnixTimeMilliseconds() / 1000.0,
            ["host"] = host,
            ["source"] = "dmarcsecurity",
            ["sourcetype"] = target.SourceType,
            ["event"] = JsonNode.Parse(Json),
        };
        if (target.Index is { Length: > 0 } index)
        {
            envelope["index"] = index;
        }

        return envelope.ToJsonString(JsonSerializerOptions.Default);
    }
}
