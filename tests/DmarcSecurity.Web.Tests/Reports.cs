using System.IO.Compression;
using System.Text;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Web.Tests;

/// <summary>DMARC aggregate reports for the end-to-end tests, dated yesterday so every dashboard period shows them.</summary>
public static class Reports
{
    public const string SeedDomain = "seed.example";
    public const string UploadDomain = "upload.example";
    public const string SeededHostile = "198.51.100.66";
    public const string UploadedHostile = "203.0.113.77";
    public const string KnownSender = "192.0.2.20";

    /// <summary>Messages in the two good uploaded files: 200 + 800 in the first, 150 in the second.</summary>
    public const int UploadedMessages = 1150;

    /// <summary>Of those, failing DMARC: the hostile sender's 800.</summary>
    public const int UploadedFailing = 800;

    public static IEnumerable<(string Name, byte[] Content)> Seed()
    {
        yield return ("seed.xml", Xml(SeedDomain, "seed-reporter.example", "seed-1", 1,
            ("192.0.2.10", 300, true, "none"), (SeededHostile, 1000, false, "reject")));
    }

    /// <summary>What the Analyst drops on the upload page: an XML report, a gzipped one and a hostile file.</summary>
    public static IEnumerable<(string Name, byte[] Content)> Upload()
    {
        yield return ("receiver-one.xml", Xml(UploadDomain, "receiver-one.example", "upload-1", 1,
            (KnownSender, 200, true, "none"), (UploadedHostile, 800, false, "reject")));
        yield return ("receiver-two.xml.gz", Gzip(Xml(UploadDomain, "receiver-two.example", "upload-2", 1, (KnownSender, 150, true, "none"))));
        yield return ("hostile-xxe.xml", Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>"));
    }

    private static byte[] Xml(string domain, string reporter, string reportId, int daysAgo, params (string Ip, int Count, bool Pass, string Disposition)[] records) =>
        AggregateReportXml.Build(domain, reporter, $"{reportId}-{Guid.NewGuid():N}", daysAgo, records);

    private static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }
}
