using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace DmarcSecurity.Cli.Simulate;

/// <param name="Until">Reports cover the seven days before this day (UTC).</param>
public sealed record SimulationOptions(int Count, string Domain, int Seed, double HostileShare, bool Ids, DateOnly Until);

public sealed record SimulatedFile(string FileName, byte[] Bytes);

/// <summary>One hostile address: the report rows that named it, the messages in them, and the IDS alerts it raised.</summary>
public sealed record HostileSource(string Ip, int Rows, long Messages, int IdsAlerts);

public sealed record Simulation(IReadOnlyList<SimulatedFile> Reports, SimulatedFile? EveLog, IReadOnlyList<HostileSource> Hostile, int Records);

/// <summary>Synthetic DMARC aggregate reports (RFC 7489) as receivers send them, and optionally a Suricata EVE log, from
/// one seed: the same options give the same bytes. Every address is in a documentation range (RFC 5737, RFC 3849), so
/// a simulation never names, and never gets blocked, a real host.</summary>
public static class ReportSimulator
{
    private sealed record Reporter(string OrgName, string Email, string Domain, string Container);

    private sealed record Signature(int Id, int Rev, string Name, string Category, int Severity, string Protocol, int Port);

    private static readonly Reporter[] s_reporters =
    [
        new("google.com", "noreply-dmarc-support@google.com", "google.com", "zip"),
        new("Enterprise Outlook", "dmarcreport@microsoft.com", "enterprise.protection.outlook.com", "gz"),
        new("Yahoo", "dmarchelp@yahooinc.com", "yahoo.com", "gz"),
        new("Mail.Ru", "dmarc_support@corp.mail.ru", "mail.ru", "xml"),
        new("WEB.DE", "noreply-dmarc@web.de", "web.de", "gz"),
        new("comcast.net", "dmarc_report@comcast.net", "comcast.net", "gz"),
    ];

    private static readonly string[] s_forwarders = ["lists.example.org", "alumni.example.edu", "forward.example.net"];

    private static readonly string[] s_spoofedEnvelopes = ["mailer.example.info", "secure-login.example.biz", "billing.example.top", "notice.example.xyz"];

    private static readonly Signature[] s_signatures =
    [
        new(2010935, 3, "ET SCAN Suspicious inbound to MSSQL port 1433", "Potentially Bad Traffic", 2, "TCP", 1433),
        new(2001219, 20, "ET SCAN Potential SSH Scan", "Attempted Information Leak", 2, "TCP", 22),
        new(2002992, 7, "ET SCAN Rapid POP3 Connections - Possible Brute Force Attack", "Misc activity", 3, "TCP", 110),
        new(2013479, 3, "ET SCAN Behavioral Unusually fast Terminal Server Traffic Potential Scan or Infection (Inbound)", "Attempted Information Leak", 2, "TCP", 3389),
        new(2019876, 4, "ET SCAN SSH BruteForce Tool with fake PUTTY version", "Attempted Administrator Privilege Gain", 1, "TCP", 22),
        new(2402000, 6823, "ET DROP Dshield Block Listed Source", "Misc Attack", 2, "TCP", 25),
    ];

    public static Simulation Generate(SimulationOptions options)
    {
        var random = new Random(options.Seed);
        var domain = options.Domain.ToLowerInvariant();
        var policy = random.Next(3) == 0 ? "quarantine" : "reject";

        // The domain's own outbound servers and its mailing provider, forwarders, and the hostile pool.
        var own = Enumerable.Range(0, 4).Select(i => $"192.0.2.{10 + i}").ToArray();
        var provider = Enumerable.Range(0, 6).Select(i => $"192.0.2.{100 + i}").ToArray();
        var forwarders = Enumerable.Range(0, 8).Select(i => $"198.51.100.{10 + (i * 7)}").ToArray();
        var hostilePool = HostilePool(random, Math.Clamp(options.Count * 2, 4, 120));

        var hostile = new Dictionary<string, (int Rows, long Messages)>(StringComparer.Ordinal);
        var reports = new List<SimulatedFile>(options.Count);
        var records = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Count; i++)
        {
            var reporter = s_reporters[random.Next(s_reporters.Length)];
            var day = options.Until.AddDays(-1 - random.Next(7));
            var begin = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var end = begin.AddDays(1).AddSeconds(-1);
            var reportId = ReportId(random, reporter, begin);

            var rows = new List<Row>();
            var legitimate = 3 + random.Next(10);
            for (var r = 0; r < legitimate; r++)
            {
                var roll = random.NextDouble();
                rows.Add(roll switch
                {
                    < 0.55 => Row.Legitimate(Pick(random, own), random.Next(1, 400), domain, domain, "s2024"),
                    < 0.8 => Row.Legitimate(Pick(random, provider), random.Next(1, 900), domain, "bounce." + domain, "pm"),
                    < 0.92 => Row.Forwarded(Pick(random, forwarders), random.Next(1, 30), domain, Pick(random, s_forwarders)),
                    _ => Row.MailingList(Pick(random, forwarders), random.Next(1, 20), domain, Pick(random, s_forwarders)),
                });
            }

            // The hostile share of the report's rows (at least one while the share is not zero).
            var hostileRows = options.HostileShare <= 0
                ? 0
                : Math.Max(1, (int)Math.Round(legitimate * options.HostileShare / Math.Max(0.01, 1 - options.HostileShare)));
            for (var r = 0; r < hostileRows; r++)
            {
                var ip = Pick(random, hostilePool);
                var count = random.Next(1, 60);
                rows.Add(Row.Spoofed(ip, count, domain, Pick(random, s_spoofedEnvelopes), policy, random));
                hostile[ip] = hostile.TryGetValue(ip, out var seen) ? (seen.Rows + 1, seen.Messages + count) : (1, count);
            }

            Shuffle(random, rows);
            records += rows.Count;
            var xml = Xml(reporter, reportId, begin, end, domain, policy, rows);
            // Receivers name files receiver!domain!begin!end; a second report of the same day gets a counter.
            var baseName = $"{reporter.Domain}!{domain}!{begin.ToUnixTimeSeconds()}!{end.ToUnixTimeSeconds()}";
            var name = baseName;
            for (var n = 2; !names.Add(name); n++)
            {
                name = $"{baseName}!{n}";
            }

            reports.Add(reporter.Container switch
            {
                "zip" => new SimulatedFile(name + ".zip", Zip(name + ".xml", xml, end)),
                "gz" => new SimulatedFile(name + ".xml.gz", Gzip(xml)),
                _ => new SimulatedFile(name + ".xml", xml),
            });
        }

        var alerts = new Dictionary<string, int>(StringComparer.Ordinal);
        SimulatedFile? eve = null;
        if (options.Ids && hostile.Count > 0)
        {
            // Some of the hostile senders also probe the network; one in two, at least one.
            var probing = hostile.Keys.Order(StringComparer.Ordinal).Where(_ => random.Next(2) == 0).ToList();
            if (probing.Count == 0)
            {
                probing.Add(hostile.Keys.Order(StringComparer.Ordinal).First());
            }

            eve = new SimulatedFile("eve.json", Eve(random, options.Until, probing, alerts));
        }

        // In address order: IPv4 before IPv6, each numerically.
        var sources = hostile.OrderBy(h => System.Net.IPAddress.Parse(h.Key).GetAddressBytes().Length)
            .ThenBy(h => Convert.ToHexString(System.Net.IPAddress.Parse(h.Key).GetAddressBytes()), StringComparer.Ordinal)
            .Select(h => new HostileSource(h.Key, h.Value.Rows, h.Value.Messages, alerts.GetValueOrDefault(h.Key)))
            .ToList();
        return new Simulation(reports, eve, sources, records);
    }

    private static string[] HostilePool(Random random, int size)
    {
        var pool = new SortedSet<string>(StringComparer.Ordinal);
        while (pool.Count < size)
        {
            // Mostly IPv4 from TEST-NET-3 and the upper half of TEST-NET-2, some IPv6 from 2001:db8::/32.
            pool.Add(random.Next(10) switch
            {
                < 6 => $"203.0.113.{random.Next(1, 255)}",
                < 9 => $"198.51.100.{random.Next(128, 255)}",
                _ => $"2001:db8:bad:{random.Next(1, 0xffff):x}::{random.Next(1, 0xffff):x}",
            });
        }

        return [.. pool];
    }

    private static string ReportId(Random random, Reporter reporter, DateTimeOffset begin) => reporter.Container switch
    {
        "zip" => string.Concat(Enumerable.Range(0, 19).Select(i => (char)('0' + random.Next(i == 0 ? 1 : 0, 10)))),
        _ when reporter.Domain.StartsWith("enterprise", StringComparison.Ordinal) => Hex(random, 32),
        _ when reporter.Domain == "yahoo.com" => $"{begin.ToUnixTimeSeconds()}.{random.Next(100000, 999999)}",
        _ => $"{Hex(random, 8)}-{Hex(random, 4)}-{Hex(random, 4)}@{reporter.Domain}",
    };

    private static string Hex(Random random, int length) => string.Concat(Enumerable.Range(0, length).Select(_ => "0123456789abcdef"[random.Next(16)]));

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static void Shuffle<T>(Random random, List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private sealed record AuthResult(string Domain, string Result, string? Selector = null);

    private sealed record Row(
        string Ip, int Count, string Disposition, string Dkim, string Spf, string? ReasonType, string? ReasonComment,
        string? EnvelopeFrom, string HeaderFrom, IReadOnlyList<AuthResult> DkimResults, AuthResult SpfResult)
    {
        public static Row Legitimate(string ip, int count, string domain, string envelope, string selector) =>
            new(ip, count, "none", "pass", "pass", null, null, envelope, domain, [new(domain, "pass", selector)], new(envelope, "pass"));

        // Forwarding keeps the signature but breaks SPF: DMARC passes on DKIM.
        public static Row Forwarded(string ip, int count, string domain, string forwarder) =>
            new(ip, count, "none", "pass", "fail", "forwarded", null, forwarder, domain, [new(domain, "pass", "s2024")], new(forwarder, "pass"));

        // A list rewrites the body: the signature fails, the receiver overrides the policy for the list.
        public static Row MailingList(string ip, int count, string domain, string list) =>
            new(ip, count, "none", "fail", "fail", "mailing_list", $"{list} rewrote the body", list, domain,
                [new(domain, "fail", "s2024"), new(list, "pass", "list")], new(list, "pass"));

        public static Row Spoofed(string ip, int count, string domain, string envelope, string policy, Random random) =>
            new(ip, count, policy, "fail", "fail", null, null, random.Next(3) == 0 ? domain : envelope, domain,
                random.Next(2) == 0 ? [] : [new(domain, "fail", "default")],
                random.Next(3) == 0 ? new(domain, random.Next(2) == 0 ? "softfail" : "fail") : new(envelope, "none"));
    }

    private static byte[] Xml(Reporter reporter, string reportId, DateTimeOffset begin, DateTimeOffset end, string domain, string policy, List<Row> rows)
    {
        using var buffer = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = "  ", NewLineChars = "\n" };
        using (var xml = XmlWriter.Create(buffer, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feedback");
            xml.WriteElementString("version", "1.0");
            xml.WriteStartElement("report_metadata");
            xml.WriteElementString("org_name", reporter.OrgName);
            xml.WriteElementString("email", reporter.Email);
            xml.WriteElementString("report_id", reportId);
            xml.WriteStartElement("date_range");
            xml.WriteElementString("begin", begin.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("end", end.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteStartElement("policy_published");
            xml.WriteElementString("domain", domain);
            xml.WriteElementString("adkim", "r");
            xml.WriteElementString("aspf", "r");
            xml.WriteElementString("p", policy);
            xml.WriteElementString("sp", policy);
            xml.WriteElementString("pct", "100");
            xml.WriteEndElement();
            foreach (var row in rows)
            {
                xml.WriteStartElement("record");
                xml.WriteStartElement("row");
                xml.WriteElementString("source_ip", row.Ip);
                xml.WriteElementString("count", row.Count.ToString(CultureInfo.InvariantCulture));
                xml.WriteStartElement("policy_evaluated");
                xml.WriteElementString("disposition", row.Disposition);
                xml.WriteElementString("dkim", row.Dkim);
                xml.WriteElementString("spf", row.Spf);
                if (row.ReasonType is not null)
                {
                    xml.WriteStartElement("reason");
                    xml.WriteElementString("type", row.ReasonType);
                    if (row.ReasonComment is not null)
                    {
                        xml.WriteElementString("comment", row.ReasonComment);
                    }

                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteStartElement("identifiers");
                if (row.EnvelopeFrom is not null)
                {
                    xml.WriteElementString("envelope_from", row.EnvelopeFrom);
                }

                xml.WriteElementString("header_from", row.HeaderFrom);
                xml.WriteEndElement();
                xml.WriteStartElement("auth_results");
                foreach (var dkim in row.DkimResults)
                {
                    xml.WriteStartElement("dkim");
                    xml.WriteElementString("domain", dkim.Domain);
                    if (dkim.Selector is not null)
                    {
                        xml.WriteElementString("selector", dkim.Selector);
                    }

                    xml.WriteElementString("result", dkim.Result);
                    xml.WriteEndElement();
                }

                xml.WriteStartElement("spf");
                xml.WriteElementString("domain", row.SpfResult.Domain);
                xml.WriteElementString("scope", "mfrom");
                xml.WriteElementString("result", row.SpfResult.Result);
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }

    private static byte[] Zip(string entryName, byte[] bytes, DateTimeOffset at)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry(entryName, CompressionLevel.Optimal);
            // The entry's time would be the clock's otherwise, and the same seed would not give the same bytes.
            entry.LastWriteTime = at;
            using var stream = entry.Open();
            stream.Write(bytes);
        }

        return buffer.ToArray();
    }

    /// <summary>A Suricata EVE log: alerts from the probing addresses against the domain's servers, among the flow and
    /// DNS events of ordinary traffic that a real log is mostly made of.</summary>
    private static byte[] Eve(Random random, DateOnly until, List<string> probing, Dictionary<string, int> alerts)
    {
        var start = new DateTimeOffset(until.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var events = new List<(DateTimeOffset At, byte[] Line)>();
        long flow = 1_000_000_000_000 + random.Next(1_000_000);
        foreach (var ip in probing)
        {
            var signature = Pick(random, s_signatures);
            var count = random.Next(2, 9);
            alerts[ip] = count;
            for (var n = 0; n < count; n++)
            {
                var at = start.AddSeconds(random.Next(86_400)).AddTicks(random.Next(1_000_000) * 10);
                events.Add((at, EveLine(at, ++flow, "alert", ip, random.Next(1024, 65535), Pick(random, new[] { "192.0.2.25", "192.0.2.26" }), signature.Port, signature.Protocol, signature)));
            }
        }

        for (var n = 0; n < probing.Count * 3; n++)
        {
            var at = start.AddSeconds(random.Next(86_400)).AddTicks(random.Next(1_000_000) * 10);
            events.Add(n % 2 == 0
                ? (at, EveLine(at, ++flow, "flow", "192.0.2.25", random.Next(1024, 65535), "192.0.2.53", 53, "UDP", null))
                : (at, EveLine(at, ++flow, "dns", "192.0.2.25", random.Next(1024, 65535), "192.0.2.53", 53, "UDP", null)));
        }

        using var buffer = new MemoryStream();
        foreach (var (_, line) in events.OrderBy(e => e.At))
        {
            buffer.Write(line);
            buffer.WriteByte((byte)'\n');
        }

        return buffer.ToArray();
    }

    private static byte[] EveLine(DateTimeOffset at, long flowId, string type, string source, int sourcePort, string destination, int destinationPort, string protocol, Signature? signature)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+0000");
            json.WriteNumber("flow_id", flowId);
            json.WriteString("in_iface", "eth0");
            json.WriteString("event_type", type);
            json.WriteString("src_ip", source);
            json.WriteNumber("src_port", sourcePort);
            json.WriteString("dest_ip", destination);
            json.WriteNumber("dest_port", destinationPort);
            json.WriteString("proto", protocol);
            if (signature is not null)
            {
                json.WriteStartObject("alert");
                json.WriteString("action", "allowed");
                json.WriteNumber("gid", 1);
                json.WriteNumber("signature_id", signature.Id);
                json.WriteNumber("rev", signature.Rev);
                json.WriteString("signature", signature.Name);
                json.WriteString("category", signature.Category);
                json.WriteNumber("severity", signature.Severity);
                json.WriteEndObject();
            }
            else if (type == "dns")
            {
                json.WriteString("app_proto", "dns");
                json.WriteStartObject("dns");
                json.WriteString("type", "query");
                json.WriteString("rrname", "example.com");
                json.WriteString("rrtype", "MX");
                json.WriteEndObject();
            }
            else
            {
                json.WriteString("app_proto", "dns");
                json.WriteStartObject("flow");
                json.WriteNumber("pkts_toserver", 1);
                json.WriteNumber("pkts_toclient", 1);
                json.WriteString("state", "established");
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
