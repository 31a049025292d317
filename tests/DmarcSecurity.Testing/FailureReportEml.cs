using System.Globalization;
using System.Text;

namespace DmarcSecurity.Testing;

/// <summary>DMARC failure reports (RFC 6591 with the DMARC fields of RFC 7489 section 7.3) as receivers mail them: a
/// multipart/report with a human part, the message/feedback-report fields, and the original message's headers
/// (<c>text/rfc822-headers</c>, the usual choice) or the whole message (<c>message/rfc822</c>).</summary>
public static class FailureReportEml
{
    /// <param name="body">The original message's body; null sends only its headers.</param>
    /// <param name="feedbackType">Anything but <c>auth-failure</c> makes a report the Api refuses.</param>
    public static byte[] Build(
        string reporter,
        string sourceIp,
        string domain,
        string messageId,
        DateTimeOffset arrival,
        string subject = "Invoice 2026-11 overdue",
        string? body = null,
        string feedbackType = "auth-failure",
        string authFailure = "dmarc")
    {
        var date = arrival.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        var boundary = "=_ruf_" + messageId.GetHashCode(StringComparison.Ordinal).ToString("x8", CultureInfo.InvariantCulture);
        var original = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Received: from unknown (unknown [{sourceIp}]) by mx.receiver.example with SMTP; {date}\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: \"Accounts\" <billing@{domain}>\r\n")
            .Append("To: finance@victim.example\r\n")
            .Append(CultureInfo.InvariantCulture, $"Subject: {subject}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Date: {date}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Message-ID: <{messageId}>\r\n")
            .Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n")
            .ToString();
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"From: DMARC reports <{reporter}>\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: ruf@{domain}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Subject: DMARC failure report for {domain}: IP={sourceIp}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Date: {date}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Message-ID: <ruf-{messageId}>\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: multipart/report; report-type=feedback-report; boundary=\"{boundary}\"\r\n\r\n")
            .Append(CultureInfo.InvariantCulture, $"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
            .Append(CultureInfo.InvariantCulture, $"This is an authentication failure report for a message from {sourceIp}.\r\n\r\n")
            .Append(CultureInfo.InvariantCulture, $"--{boundary}\r\nContent-Type: message/feedback-report\r\n\r\n")
            .Append(CultureInfo.InvariantCulture, $"Feedback-Type: {feedbackType}\r\nUser-Agent: ReceiverMail-DMARC/2.1\r\nVersion: 1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Original-Mail-From: <bounce@{domain}>\r\nOriginal-Rcpt-To: <finance@victim.example>\r\n")
            .Append(CultureInfo.InvariantCulture, $"Arrival-Date: {date}\r\nSource-IP: {sourceIp}\r\nReported-Domain: {domain}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Authentication-Results: mx.receiver.example; dmarc=fail (p=reject) header.from={domain};\r\n")
            .Append(CultureInfo.InvariantCulture, $"  dkim=fail header.d={domain} header.s=s2026; spf=fail smtp.mailfrom={domain}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Auth-Failure: {authFailure}\r\nDKIM-Domain: {domain}\r\nDKIM-Selector: s2026\r\nDelivery-Result: reject\r\n\r\n")
            .Append(CultureInfo.InvariantCulture, $"--{boundary}\r\n")
            .Append(body is null ? "Content-Type: text/rfc822-headers\r\n\r\n" + original : "Content-Type: message/rfc822\r\n\r\n" + original + "\r\n" + body + "\r\n")
            .Append(CultureInfo.InvariantCulture, $"\r\n--{boundary}--\r\n")
            .ToString();
        return Encoding.UTF8.GetBytes(text);
    }
}
