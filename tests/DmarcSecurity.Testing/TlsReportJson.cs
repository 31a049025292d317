using System.IO.Compression;
using System.Text.Json;

namespace DmarcSecurity.Testing;

/// <summary>One failure detail of a test TLS report.</summary>
public sealed record TlsFailure(string ResultType, string SendingMtaIp, string ReceivingMx, long Count, string? ReceivingIp = null, string? ReasonCode = null);

/// <summary>One policy of a test TLS report.</summary>
public sealed record TlsPolicy(string Domain, long Successful, string Type = "sts", params TlsFailure[] Failures)
{
    public long Failed => Failures.Sum(f => f.Count);
}

/// <summary>SMTP TLS reports (RFC 8460) as the big senders write them: one JSON object, one line, policy strings of an
/// MTA-STS policy in enforce mode, gzip for the mail attachment (<c>application/tlsrpt+gzip</c>).</summary>
public static class TlsReportJson
{
    public static byte[] Build(string reportId, DateTimeOffset begin, string org = "Google Inc.", params TlsPolicy[] policies)
    {
        var report = new Dictionary<string, object?>
        {
            ["organization-name"] = org,
            ["date-range"] = new Dictionary<string, string>
            {
                ["start-datetime"] = begin.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                ["end-datetime"] = begin.AddDays(1).AddSeconds(-1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            },
            ["contact-info"] = "smtp-tls-reporting@" + org.Split(' ')[0].ToLowerInvariant() + ".example",
            ["report-id"] = reportId,
            ["policies"] = policies.Select(p => new Dictionary<string, object?>
            {
                ["policy"] = p.Type == "no-policy-found"
                    ? new Dictionary<string, object?> { ["policy-type"] = p.Type, ["policy-domain"] = p.Domain }
                    : new Dictionary<string, object?>
                    {
                        ["policy-type"] = p.Type,
                        ["policy-string"] = new[] { "version: STSv1", "mode: enforce", $"mx: mx1.{p.Domain}", "max_age: 604800" },
                        ["policy-domain"] = p.Domain,
                        ["mx-host"] = new[] { $"mx1.{p.Domain}" },
                    },
                ["summary"] = new Dictionary<string, long>
                {
                    ["total-successful-session-count"] = p.Successful,
                    ["total-failure-session-count"] = p.Failed,
                },
                ["failure-details"] = p.Failures.Select(f => new Dictionary<string, object?>
                {
                    ["result-type"] = f.ResultType,
                    ["sending-mta-ip"] = f.SendingMtaIp,
                    ["receiving-mx-hostname"] = f.ReceivingMx,
                    ["receiving-ip"] = f.ReceivingIp,
                    ["failed-session-count"] = f.Count,
                    ["failure-reason-code"] = f.ReasonCode,
                }.Where(kv => kv.Value is not null).ToDictionary()).ToArray(),
            }).ToArray(),
        };
        return JsonSerializer.SerializeToUtf8Bytes(report);
    }

    public static byte[] Gzip(byte[] json)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(json);
        }

        return output.ToArray();
    }
}
