using System.Globalization;
using System.Text;

namespace DmarcSecurity.Testing;

/// <summary>RFC 7489 aggregate reports for end-to-end tests: one day long, <paramref name="daysAgo"/> UTC days back, one
/// record per source with DKIM and SPF both passing or both failing.</summary>
public static class AggregateReportXml
{
    /// <param name="email">The reporter's address; dmarc@<paramref name="reporter"/> by default.</param>
    public static byte[] Build(
        string domain, string reporter, string reportId, int daysAgo, IEnumerable<(string Ip, int Count, bool Pass, string Disposition)> records,
        string? email = null)
    {
        var begin = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-daysAgo), TimeSpan.Zero).ToUnixTimeSeconds();
        var xml = new StringBuilder().Append(CultureInfo.InvariantCulture, $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <feedback>
              <report_metadata><org_name>{reporter}</org_name><email>{email ?? $"dmarc@{reporter}"}</email><report_id>{reportId}</report_id>
                <date_range><begin>{begin}</begin><end>{begin + 86399}</end></date_range></report_metadata>
              <policy_published><domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct></policy_published>
            """);
        foreach (var (ip, count, pass, disposition) in records)
        {
            var result = pass ? "pass" : "fail";
            xml.Append(CultureInfo.InvariantCulture, $"""
                  <record><row><source_ip>{ip}</source_ip><count>{count}</count>
                    <policy_evaluated><disposition>{disposition}</disposition><dkim>{result}</dkim><spf>{result}</spf></policy_evaluated></row>
                    <identifiers><header_from>{domain}</header_from></identifiers>
                    <auth_results><dkim><domain>{domain}</domain><result>{result}</result></dkim><spf><domain>{domain}</domain><result>{result}</result></spf></auth_results></record>
                """);
        }

        xml.Append("</feedback>\n");
        return Encoding.UTF8.GetBytes(xml.ToString());
    }
}
