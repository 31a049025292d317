using System.Globalization;
using System.Security;
using System.Text;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// Deterministic RFC 7489 aggregate reports shaped like those the large mailbox providers send: mostly a few
/// legitimate senders passing, a long tail of forwarders and spoofers failing, IPv4 and IPv6, several DKIM
/// signatures per record and the occasional policy override reason.
/// </summary>
public static class ReportGenerator
{
    private static readonly string[] s_senderPrefixes4 = ["209.85.", "40.107.", "52.100.", "198.2.", "185.12.", "94.100."];
    private static readonly string[] s_senderPrefixes6 = ["2a00:1450:4864:20::", "2a01:111:f400:7e1a::", "2001:4860:4864:20::"];
    private static readonly string[] s_thirdParties = ["sendgrid.net", "mailchimpapp.net", "amazonses.com", "mcsv.net", "zendesk.com"];
    private static readonly string[] s_selectors = ["google", "selector1", "selector2", "s1", "k1", "20230601"];
    private static readonly string[] s_reasons = ["forwarded", "local_policy", "mailing_list", "trusted_forwarder"];

    /// <summary>A report with exactly <paramref name="records"/> records; the same seed always gives the same bytes;
    /// <paramref name="day"/> (UTC midnight) dates it; by default a seeded day of the year from 2023-11-14 on.
    /// <paramref name="address"/> picks each record's source address (given the record's random and whether it is a
    /// legitimate sender); by default a fresh random one.</summary>
    public static byte[] Generate(int records, int seed, string domain = "example.com", string org = "google.com", DateTimeOffset? day = null,
        Func<Random, bool, string>? address = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(records);
        var random = new Random(seed);
        var xml = new StringBuilder(700 + (records * 620));
        var begin = 1_700_000_000L + (random.Next(0, 365) * 86_400L);
        if (day is { } date)
        {
            begin = date.ToUnixTimeSeconds();
        }

        var host = ReporterHost(org);
        domain = SecurityElement.Escape(domain);

        xml.Append("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<feedback>\n  <version>1.0</version>\n  <report_metadata>\n")
            .Append("    <org_name>").Append(SecurityElement.Escape(org)).Append("</org_name>\n")
            .Append("    <email>noreply-dmarc-support@").Append(host).Append("</email>\n")
            .Append("    <extra_contact_info>https://support.").Append(host).Append("/a/answer/2466580</extra_contact_info>\n")
            .Append("    <report_id>").Append(((ulong)random.NextInt64()).ToString(CultureInfo.InvariantCulture)).Append("</report_id>\n")
            .Append("    <date_range>\n      <begin>").Append(begin).Append("</begin>\n      <end>").Append(begin + 86_399)
            .Append("</end>\n    </date_range>\n  </report_metadata>\n  <policy_published>\n")
            .Append("    <domain>").Append(domain).Append("</domain>\n")
            .Append("    <adkim>r</adkim>\n    <aspf>r</aspf>\n    <p>quarantine</p>\n    <sp>quarantine</sp>\n    <pct>100</pct>\n")
            .Append("  </policy_published>\n");

        for (var i = 0; i < records; i++)
        {
            AppendRecord(xml, random, domain, address);
        }

        xml.Append("</feedback>\n");
        return Encoding.UTF8.GetBytes(xml.ToString());
    }

    /// <summary>A report of roughly <paramref name="approxBytes"/> bytes (within a record or two).</summary>
    public static byte[] GenerateOfSize(int approxBytes, int seed, string domain = "example.com", string org = "google.com")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(approxBytes);
        var probe = Generate(100, seed, domain, org);
        var header = Generate(0, seed, domain, org).Length;
        var perRecord = (probe.Length - header) / 100.0;
        var records = Math.Max(1, (int)Math.Round((approxBytes - header) / perRecord));
        return Generate(records, seed, domain, org);
    }

    /// <summary>The reporter's mail host: the org when it is a host name ("google.com"), else derived ("Yahoo! Inc." -> yahooinc.example).</summary>
    private static string ReporterHost(string org)
    {
        var isHostName = org.Contains('.', StringComparison.Ordinal)
            && org.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-');
        if (isHostName)
        {
            return org.ToLowerInvariant();
        }

        var letters = new string(org.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
        return (letters.Length == 0 ? "reporter" : letters) + ".example";
    }

    private static void AppendRecord(StringBuilder xml, Random random, string domain, Func<Random, bool, string>? address)
    {
        var legitimate = random.NextDouble() < 0.7;
        var thirdParty = s_thirdParties[random.Next(s_thirdParties.Length)];
        var dkimAligned = legitimate && random.NextDouble() < 0.9;
        var spfAligned = legitimate && random.NextDouble() < 0.8;
        var disposition = dkimAligned || spfAligned ? "none" : random.NextDouble() < 0.8 ? "quarantine" : "none";
        var count = legitimate ? random.Next(1, 5000) : random.Next(1, 40);

        xml.Append("  <record>\n    <row>\n      <source_ip>");
        if (address is null)
        {
            AppendIp(xml, random, legitimate);
        }
        else
        {
            xml.Append(address(random, legitimate));
        }

        xml.Append("</source_ip>\n      <count>").Append(count).Append("</count>\n      <policy_evaluated>\n")
            .Append("        <disposition>").Append(disposition).Append("</disposition>\n")
            .Append("        <dkim>").Append(dkimAligned ? "pass" : "fail").Append("</dkim>\n")
            .Append("        <spf>").Append(spfAligned ? "pass" : "fail").Append("</spf>\n");
        if (!legitimate && disposition == "none")
        {
            xml.Append("        <reason>\n          <type>").Append(s_reasons[random.Next(s_reasons.Length)])
                .Append("</type>\n          <comment>arc=pass</comment>\n        </reason>\n");
        }

        xml.Append("      </policy_evaluated>\n    </row>\n    <identifiers>\n");
        if (random.NextDouble() < 0.5)
        {
            xml.Append("      <envelope_from>").Append(spfAligned ? domain : thirdParty).Append("</envelope_from>\n");
        }

        xml.Append("      <header_from>").Append(random.NextDouble() < 0.1 ? "mail." + domain : domain).Append("</header_from>\n")
            .Append("    </identifiers>\n    <auth_results>\n");

        var signatures = random.Next(0, 3);
        for (var s = 0; s < signatures; s++)
        {
            var ownDomain = s == 0 && (dkimAligned || random.NextDouble() < 0.3);
            xml.Append("      <dkim>\n        <domain>").Append(ownDomain ? domain : thirdParty).Append("</domain>\n")
                .Append("        <selector>").Append(s_selectors[random.Next(s_selectors.Length)]).Append("</selector>\n")
                .Append("        <result>").Append(ownDomain ? (dkimAligned ? "pass" : "fail") : random.NextDouble() < 0.7 ? "pass" : "neutral")
                .Append("</result>\n      </dkim>\n");
        }

        xml.Append("      <spf>\n        <domain>").Append(spfAligned ? domain : thirdParty).Append("</domain>\n")
            .Append("        <scope>mfrom</scope>\n        <result>")
            .Append(spfAligned ? "pass" : random.NextDouble() < 0.5 ? "softfail" : random.NextDouble() < 0.5 ? "fail" : "none")
            .Append("</result>\n      </spf>\n    </auth_results>\n  </record>\n");
    }

    private static void AppendIp(StringBuilder xml, Random random, bool legitimate)
    {
        if (random.NextDouble() < 0.15)
        {
            xml.Append(s_senderPrefixes6[random.Next(s_senderPrefixes6.Length)]).Append(random.Next(1, 0xffff).ToString("x", CultureInfo.InvariantCulture));
            return;
        }

        if (legitimate)
        {
            xml.Append(s_senderPrefixes4[random.Next(s_senderPrefixes4.Length)]);
        }
        else
        {
            xml.Append(random.Next(1, 224)).Append('.').Append(random.Next(0, 256)).Append('.');
        }

        xml.Append(random.Next(0, 256)).Append('.').Append(random.Next(1, 255));
    }
}
