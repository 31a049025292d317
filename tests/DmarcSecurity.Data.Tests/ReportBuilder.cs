using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace DmarcSecurity.Data.Tests;

/// <summary>Builds parsed reports the way the Core parser hands them over, plus the XML they came from.</summary>
internal sealed class ReportBuilder
{
    private readonly List<ReportRecord> _records = [];
    private string _org = "google.com";
    private string _reportId = RandomNumberGenerator.GetInt32(int.MaxValue).ToString(CultureInfo.InvariantCulture) + "1763596800";
    private string _domain;
    private DateTimeOffset _begin = new(2025, 11, 20, 0, 0, 0, TimeSpan.Zero);
    private TimeSpan _length = TimeSpan.FromDays(1);
    private Func<AggregateReport, AggregateReport> _customise = r => r;

    private ReportBuilder(string domain) => _domain = domain;

    /// <summary>A domain no other test uses, so a test's numbers are its own.</summary>
    public static string UniqueDomain(string label = "example") => $"{label}-{Guid.NewGuid():N}"[..(label.Length + 13)] + ".com";

    public static ReportBuilder For(string domain) => new(domain);

    public ReportBuilder By(string org)
    {
        _org = org;
        return this;
    }

    public ReportBuilder WithId(string reportId)
    {
        _reportId = reportId;
        return this;
    }

    public ReportBuilder Covering(DateTimeOffset begin, TimeSpan length)
    {
        _begin = begin;
        _length = length;
        return this;
    }

    public ReportBuilder With(Func<AggregateReport, AggregateReport> customise)
    {
        _customise = customise;
        return this;
    }

    public ReportBuilder Record(string ip, long count, string disposition = "none", string dkim = "pass", string spf = "pass",
        Func<ReportRecord, ReportRecord>? customise = null)
    {
        var record = new ReportRecord
        {
            SourceIp = IPAddress.Parse(ip),
            Count = count,
            Disposition = disposition,
            DkimPolicyResult = dkim,
            SpfPolicyResult = spf,
            HeaderFrom = _domain,
            EnvelopeFrom = _domain,
            Dkim = [new DkimAuthResult(_domain, "selector1", dkim, null)],
            Spf = [new SpfAuthResult(_domain, "mfrom", spf)],
        };
        _records.Add(customise is null ? record : customise(record));
        return this;
    }

    /// <summary>Many records from distinct addresses in 10.0.0.0/8, half passing, like a busy sender's report.</summary>
    public ReportBuilder Records(int count, long messagesEach = 1)
    {
        for (var i = 0; i < count; i++)
        {
            Record($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", messagesEach, dkim: i % 2 == 0 ? "pass" : "fail", spf: "fail");
        }

        return this;
    }

    public AggregateReport Build() => _customise(new AggregateReport
    {
        Format = ReportFormat.Rfc7489,
        Version = "1.0",
        OrgName = _org,
        ReporterEmail = $"noreply-dmarc-support@{_org}",
        ReportId = _reportId,
        Begin = _begin,
        End = _begin + _length,
        Policy = new PolicyPublished { Domain = _domain, P = "none", Sp = "none", Pct = 100, Fo = "0" },
        Records = [.. _records],
    });

    public ExtractedReport Extract()
    {
        var report = Build();
        return new ExtractedReport(report, Encoding.UTF8.GetBytes(ToXml(report)), $"{report.OrgName}!{report.Policy.Domain}!{report.ReportId}.xml");
    }

    /// <summary>A file holding the given reports, named by the SHA-256 of their XML (as the Api computes it from the bytes).</summary>
    public static IncomingFile FileOf(params ExtractedReport[] reports)
    {
        var bytes = reports.SelectMany(r => r.Xml.ToArray()).ToArray();
        return new IncomingFile(Convert.ToHexStringLower(SHA256.HashData(bytes)), "upload", "report.xml", bytes.Length,
            new DateTimeOffset(2025, 11, 22, 8, 30, 0, TimeSpan.Zero));
    }

    private static string ToXml(AggregateReport report) => new XDocument(
        new XElement("feedback",
            new XElement("version", report.Version),
            new XElement("report_metadata",
                new XElement("org_name", report.OrgName),
                new XElement("email", report.ReporterEmail),
                new XElement("report_id", report.ReportId),
                new XElement("date_range",
                    new XElement("begin", report.Begin.ToUnixTimeSeconds()),
                    new XElement("end", report.End.ToUnixTimeSeconds()))),
            new XElement("policy_published",
                new XElement("domain", report.Policy.Domain),
                new XElement("adkim", report.Policy.Adkim),
                new XElement("aspf", report.Policy.Aspf),
                new XElement("p", report.Policy.P),
                new XElement("sp", report.Policy.Sp),
                new XElement("pct", report.Policy.Pct)),
            report.Records.Select(r => new XElement("record",
                new XElement("row",
                    new XElement("source_ip", r.SourceIp),
                    new XElement("count", r.Count),
                    new XElement("policy_evaluated",
                        new XElement("disposition", r.Disposition),
                        new XElement("dkim", r.DkimPolicyResult),
                        new XElement("spf", r.SpfPolicyResult))),
                new XElement("identifiers", new XElement("header_from", r.HeaderFrom)),
                new XElement("auth_results",
                    r.Dkim.Select(d => new XElement("dkim", new XElement("domain", d.Domain), new XElement("selector", d.Selector), new XElement("result", d.Result))),
                    r.Spf.Select(s => new XElement("spf", new XElement("domain", s.Domain), new XElement("scope", s.Scope), new XElement("result", s.Result))))))))
        .ToString(SaveOptions.DisableFormatting);
}
