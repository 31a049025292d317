using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using DmarcSecurity.Core.Ingestion;
using MimeKit;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// E-mail parsing throughput: the MIME layer alone (MimeKit parses the message and decodes every leaf body, the work
/// the extractor asks of it) and the whole extraction (MIME, gunzip/unzip, report XML) of each message. MB/s counts
/// e-mail bytes. MimeKit replaced our own MIME code; on these messages (2 busy cores) ours did 107-214 MB/s on a
/// 1.3 KB message against MimeKit's 12-39, and 72-84 MB/s on a 437 KB one against MimeKit's 167-199.
/// </summary>
public static class EmailParseBenchmark
{
    private const int TimedRuns = 7;
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan s_runLength = TimeSpan.FromMilliseconds(400);

    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var extractor = new ReportExtractor(ExtractionLimits.Default);
        output.WriteLine($"E-mail parse throughput: median of {TimedRuns} runs of ~{s_runLength.TotalMilliseconds:0} ms after {s_warmUp.TotalSeconds:0.#} s warm-up; MB/s of e-mail bytes");
        output.WriteLine($"{"message",-26} {"bytes",12} {"MIME MimeKit",13} {"extract",9}");
        foreach (var (name, message) in Messages())
        {
            var mimeKit = Measure(() => DecodeWithMimeKit(message), message.Length);
            var extract = Measure(() => extractor.Extract(new MemoryStream(message, writable: false)).Count, message.Length);
            output.WriteLine($"{name,-26} {message.Length,12:N0} {mimeKit,13:F1} {extract,9:F1}");
        }
    }

    /// <summary>Reporter-shaped messages: base64 gzip and zip attachments, inline quoted-printable XML, a forward.</summary>
    private static IEnumerable<(string Name, byte[] Message)> Messages()
    {
        var small = ReportGenerator.GenerateOfSize(2_000, 42);
        var medium = ReportGenerator.GenerateOfSize(50_000, 43);
        var large = ReportGenerator.GenerateOfSize(10_000_000, 44);
        yield return ("small gz attachment", WithAttachment(Gzip(small), "r.xml.gz", "application/gzip"));
        yield return ("medium zip attachment", WithAttachment(Zip(medium), "r.zip", "application/zip"));
        yield return ("medium inline qp xml", InlineQuotedPrintable(medium));
        yield return ("medium forwarded gz", Forwarding(WithAttachment(Gzip(medium), "r.xml.gz", "application/gzip")));
        yield return ("large gz attachment", WithAttachment(Gzip(large), "r.xml.gz", "application/gzip"));
        yield return ("large inline base64 xml", WithAttachment(large, "r.xml", "text/xml"));
    }

    private static double Measure(Func<int> action, int bytes)
    {
        action();
        var warmUp = Stopwatch.StartNew();
        var iterations = 0;
        while (warmUp.Elapsed < s_warmUp || iterations < 3)
        {
            action();
            iterations++;
        }

        var perRun = Math.Max(1, (int)(iterations * (s_runLength / warmUp.Elapsed)));
        var rates = new double[TimedRuns];
        for (var run = 0; run < TimedRuns; run++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < perRun; i++)
            {
                action();
            }

            rates[run] = perRun * (double)bytes / watch.Elapsed.TotalSeconds / 1e6;
        }

        Array.Sort(rates);
        return rates[TimedRuns / 2];
    }

    private static int DecodeWithMimeKit(byte[] message)
    {
        using var stream = new MemoryStream(message, writable: false);
        var parsed = new MimeParser(new ParserOptions { MaxMimeDepth = 24 }, stream, persistent: true).ParseMessage();
        return DecodeMimeKit(parsed.Body);
    }

    private static int DecodeMimeKit(MimeKit.MimeEntity? entity)
    {
        switch (entity)
        {
            case Multipart multipart:
                return multipart.Sum(DecodeMimeKit);
            case MessagePart { Message: { } inner }:
                return DecodeMimeKit(inner.Body);
            case MimePart { Content: { } content }:
                using (var decoded = new MemoryStream())
                {
                    content.DecodeTo(decoded);
                    return (int)decoded.Length;
                }

            default:
                return 0;
        }
    }

    private static byte[] WithAttachment(byte[] attachment, string fileName, string contentType)
    {
        var body = Convert.ToBase64String(attachment, Base64FormattingOptions.InsertLineBreaks);
        return Encoding.ASCII.GetBytes(
            Head("Report Domain: example.com Submitter: google.com") + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThis is an aggregate report from google.com.\r\n"
            + $"--b1\r\nContent-Type: {contentType}; name=\"{fileName}\"\r\nContent-Transfer-Encoding: base64\r\n"
            + $"Content-Disposition: attachment; filename=\"{fileName}\"\r\n\r\n{body}\r\n--b1--\r\n");
    }

    private static byte[] InlineQuotedPrintable(byte[] xml)
    {
        var encoded = new StringBuilder();
        var line = 0;
        foreach (var b in xml)
        {
            var token = b is (byte)'=' or > 126 || (b < 32 && b != (byte)'\n') ? $"={b:X2}" : b == (byte)'\n' ? "\r\n" : ((char)b).ToString();
            if (token == "\r\n")
            {
                encoded.Append(token);
                line = 0;
                continue;
            }

            if (line + token.Length > 75)
            {
                encoded.Append("=\r\n");
                line = 0;
            }

            encoded.Append(token);
            line += token.Length;
        }

        return Encoding.ASCII.GetBytes(
            Head("Report Domain: example.com Submitter: receiver.example")
            + "Content-Type: text/xml; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + encoded + "\r\n");
    }

    private static byte[] Forwarding(byte[] message)
    {
        var head = Encoding.ASCII.GetBytes(
            Head("Fwd: report") + "Content-Type: multipart/mixed; boundary=\"fwd\"\r\n\r\n"
            + "--fwd\r\nContent-Type: text/plain\r\n\r\nForwarding.\r\n--fwd\r\nContent-Type: message/rfc822\r\n\r\n");
        return [.. head, .. message, .. "\r\n--fwd--\r\n"u8];
    }

    private static string Head(string subject) =>
        "From: noreply-dmarc-support@google.com\r\nTo: dmarc@example.com\r\n"
        + $"Subject: {subject}\r\nDate: Thu, 16 Nov 2023 00:00:05 +0000\r\nMessage-ID: <1@google.com>\r\nMIME-Version: 1.0\r\n";

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return compressed.ToArray();
    }

    private static byte[] Zip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zip = new ZipArchive(compressed, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("google.com!example.com!1700006400!1700092799.xml").Open();
            entry.Write(data);
        }

        return compressed.ToArray();
    }
}
