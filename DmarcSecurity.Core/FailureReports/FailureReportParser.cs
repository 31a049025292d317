using System.Text;
using DmarcSecurity.Core.Addresses;
using DmarcSecurity.Core.Ingestion;
using MimeKit;
using MimeKit.Utils;

namespace DmarcSecurity.Core.FailureReports;

/// <summary>
/// Reads one DMARC failure report from its <c>multipart/report; report-type=feedback-report</c> body (RFC 5965
/// section 2, RFC 6591): the machine-readable <c>message/feedback-report</c> part and the original message or its
/// headers. Refuses a report that is not an authentication failure report, or whose fields are missing or wrong,
/// naming the field.
/// </summary>
public static class FailureReportParser
{
    public const string FeedbackReportType = "feedback-report";
    public const string AuthFailure = "auth-failure";

    /// <summary>Longest field value kept; a real Authentication-Results is a few hundred characters.</summary>
    public const int MaxFieldLength = 8192;

    /// <summary>Largest original header block accepted; real ones are a few kilobytes.</summary>
    public const int MaxHeaderBytes = 256 * 1024;

    /// <summary>Largest original body kept; the rest is cut off with a note.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Header blocks are kept as mail carries them (CRLF), whatever the platform.</summary>
    private static readonly FormatOptions s_format = CreateFormat();

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    /// <param name="report">The multipart/report body.</param>
    /// <param name="container">The message the report came in (its From names the reporter); null when unknown.</param>
    /// <exception cref="ReportRejectedException">Not a failure report, or a field missing or invalid
    /// (<see cref="RejectionReason.InvalidReportField"/>, <see cref="RejectionReason.NotAReport"/>).</exception>
    public static FailureReport Parse(MultipartReport report, MimeMessage? container)
    {
        ArgumentNullException.ThrowIfNull(report);
        var feedback = report.OfType<MessageFeedbackReport>().FirstOrDefault()
            ?? throw new ReportRejectedException(
                RejectionReason.NotAReport,
                "The multipart/report (report-type=feedback-report) has no message/feedback-report part; it is not a failure report.");
        var original = report.OfType<MessagePart>().FirstOrDefault()
            ?? throw Invalid("original message", "is missing: the report has neither a message/rfc822 nor a text/rfc822-headers part.");

        HeaderList fields;
        try
        {
            fields = feedback.Fields;
        }
        catch (FormatException e)
        {
            throw Invalid("message/feedback-report", $"cannot be read ({e.Message}).");
        }

        var feedbackType = Required(fields, "Feedback-Type").ToLowerInvariant();
        if (feedbackType != AuthFailure)
        {
            throw Invalid("Feedback-Type", $"is \"{Preview(feedbackType)}\"; a DMARC failure report is \"{AuthFailure}\".");
        }

        var sourceText = Required(fields, "Source-IP");
        if (!Networks.TryParseAddress(sourceText, out var source, usualFormOnly: true))
        {
            throw Invalid("Source-IP", $"\"{Preview(sourceText)}\" is not an IP address.");
        }

        var authFailures = All(fields, "Auth-Failure")
            .SelectMany(v => v.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Select(v => v.ToLowerInvariant())
            .Distinct()
            .ToList();
        if (authFailures.Count == 0)
        {
            throw Invalid("Auth-Failure", "is missing; an authentication failure report names what failed (dmarc, dkim, spf, ...).");
        }

        if (authFailures.FirstOrDefault(v => !v.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) is { } bad)
        {
            throw Invalid("Auth-Failure", $"\"{Preview(bad)}\" is not a failure kind.");
        }

        DateTimeOffset? arrival = null;
        if ((Optional(fields, "Arrival-Date") ?? Optional(fields, "Received-Date")) is { } arrivalText)
        {
            arrival = DateUtils.TryParse(arrivalText, out var parsed)
                ? parsed.ToUniversalTime()
                : throw Invalid("Arrival-Date", $"\"{Preview(arrivalText)}\" is not a date (RFC 5322).");
        }

        string? reportedDomain = null;
        if (Optional(fields, "Reported-Domain") is { } domainText)
        {
            reportedDomain = DomainName.TryNormalise(domainText, out var domain)
                ? domain
                : throw Invalid("Reported-Domain", $"\"{Preview(domainText)}\" is not a domain name.");
        }

        var userAgent = Optional(fields, "User-Agent");
        var reporter = container?.From.Mailboxes.FirstOrDefault()?.Address is { Length: > 0 } from
            ? Clean(from, "From")
            : userAgent ?? throw Invalid("User-Agent", "is missing and the report has no From address: the reporter is unknown.");

        var (headers, body) = ReadOriginal(original);
        var message = original.Message;
        return new FailureReport(
            reporter,
            feedbackType,
            userAgent,
            Optional(fields, "Version"),
            arrival,
            source.ToString(),
            reportedDomain,
            Optional(fields, "Original-Mail-From"),
            All(fields, "Original-Rcpt-To"),
            Optional(fields, "Authentication-Results"),
            authFailures,
            Optional(fields, "DKIM-Domain")?.ToLowerInvariant(),
            Optional(fields, "DKIM-Identity"),
            Optional(fields, "DKIM-Selector"),
            Optional(fields, "SPF-DNS"),
            Optional(fields, "Delivery-Result")?.ToLowerInvariant(),
            Optional(fields, "Identity-Alignment")?.ToLowerInvariant(),
            All(fields, "Reported-URI"),
            OriginalHeader(message, HeaderId.From),
            OriginalHeader(message, HeaderId.To),
            OriginalHeader(message, HeaderId.Subject),
            OriginalHeader(message, HeaderId.Date),
            message?.MessageId is { Length: > 0 } id ? Clean(id, "Message-ID") : null,
            headers,
            body);
    }

    /// <summary>The original's header block and, for a whole message, its body: split from the bytes as sent.</summary>
    private static (string Headers, string? Body) ReadOriginal(MessagePart part)
    {
        if (part.Message is not { } message)
        {
            return ("", null);
        }

        using var stream = new MemoryStream();
        message.WriteTo(s_format, stream);
        var bytes = stream.GetBuffer().AsSpan(0, (int)stream.Length);
        var split = bytes.IndexOf("\r\n\r\n"u8) is var crlf and >= 0 ? (crlf + 2, crlf + 4) : bytes.IndexOf("\n\n"u8) is var lf and >= 0 ? (lf + 1, lf + 2) : (bytes.Length, bytes.Length);
        if (split.Item1 > MaxHeaderBytes)
        {
            throw Invalid("original message", $"has {split.Item1:N0} bytes of headers, over the {MaxHeaderBytes:N0}-byte limit.");
        }

        var headers = Decode(bytes[..split.Item1]);
        if (part is TextRfc822Headers)
        {
            return (headers, null);
        }

        var body = bytes[split.Item2..];
        var text = body.Length > MaxBodyBytes
            ? Decode(body[..MaxBodyBytes]) + $"\n[cut off: the body is {body.Length:N0} bytes; the first {MaxBodyBytes:N0} are kept]"
            : Decode(body);
        return (headers, text);
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes).Replace("\0", "", StringComparison.Ordinal);

    private static string? OriginalHeader(MimeMessage? message, HeaderId id) =>
        message?.Headers[id] is { Length: > 0 } value ? Clean(value.Trim(), id.ToHeaderName(), limit: 1000) : null;

    private static string Required(HeaderList fields, string name) =>
        Optional(fields, name) ?? throw Invalid(name, "is missing.");

    private static string? Optional(HeaderList fields, string name) => All(fields, name).FirstOrDefault();

    private static List<string> All(HeaderList fields, string name) =>
        [.. fields.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(h => Clean(h.Value.Trim(), name))
            .Where(v => v.Length > 0)];

    /// <summary>Field text ends up in the database and on screens: NULs go (PostgreSQL refuses them), length is capped.</summary>
    private static string Clean(string value, string name, int limit = MaxFieldLength)
    {
        if (value.Length > limit)
        {
            throw Invalid(name, $"is {value.Length:N0} characters long; at most {limit:N0} are accepted.");
        }

        return value.Replace("\0", "", StringComparison.Ordinal);
    }

    private static string Preview(string text) => text.Length > 60 ? text[..60] + "..." : text;

    private static ReportRejectedException Invalid(string field, string problem) =>
        new(RejectionReason.InvalidReportField, $"The failure report's {field} {problem}");
}
