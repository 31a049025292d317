using System.IO.Compression;
using System.Text;

namespace DmarcSecurity.Api.Tests.Infrastructure;

/// <summary>One record of a test report.</summary>
public sealed record TestRecord(string Ip, int Count, string Disposition = "none", string Dkim = "pass", string Spf = "pass", string HeaderFrom = "example.com");

/// <summary>Writes RFC 7489 aggregate reports shaped like the big reporters' (unique ids per call unless given).</summary>
public static class ReportXml
{
    public static byte[] Build(
        string reportId,
        string domain = "example.com",
        string org = "google.com",
        DateTimeOffset? begin = null,
        TimeSpan? span = null,
        params TestRecord[] records)
    {
        var b = begin ?? new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var e = b + (span ?? TimeSpan.FromDays(1)) - TimeSpan.FromSeconds(1);
        if (records.Length == 0)
        {
            records = [new TestRecord("192.0.2.10", 3)];
        }

        var sb = new StringBuilder();
        sb.Append($"""
            <?xml version="1.0" encoding="UTF-8" ?>
            <feedback>
              <version>1.0</version>
              <report_metadata>
                <org_name>{org}</org_name>
                <email>noreply-dmarc-support@{org}</email>
                <extra_contact_info>https://support.{org}/a/answer/2466580</extra_contact_info>
                <report_id>{reportId}</report_id>
                <date_range><begin>{b.ToUnixTimeSeconds()}</begin><end>{e.ToUnixTimeSeconds()}</end></date_range>
              </report_metadata>
              <policy_published>
                <domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct><np>reject</np>
              </policy_published>
            """);
        foreach (var r in records)
        {
            sb.Append($"""
                  <record>
                    <row>
                      <source_ip>{r.Ip}</source_ip><count>{r.Count}</count>
                      <policy_evaluated><disposition>{r.Disposition}</disposition><dkim>{r.Dkim}</dkim><spf>{r.Spf}</spf></policy_evaluated>
                    </row>
                    <identifiers><header_from>{r.HeaderFrom}</header_from></identifiers>
                    <auth_results>
                      <dkim><domain>{r.HeaderFrom}</domain><selector>s1</selector><result>{r.Dkim}</result></dkim>
                      <spf><domain>{r.HeaderFrom}</domain><result>{r.Spf}</result></spf>
                    </auth_results>
                  </record>
                """);
        }

        sb.Append("</feedback>\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
