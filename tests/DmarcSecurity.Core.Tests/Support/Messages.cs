using System.Text;

namespace DmarcSecurity.Core.Tests.Support;

/// <summary>Builds e-mail messages around content, the way reporters and forwarding mail clients do.</summary>
internal static class Messages
{
    public static byte[] WithAttachment(byte[] attachment, string fileName, string contentType = "application/gzip")
    {
        var body = Convert.ToBase64String(attachment, Base64FormattingOptions.InsertLineBreaks);
        return Encoding.UTF8.GetBytes(
            "From: noreply-dmarc-support@reporter.example\r\n"
            + "To: dmarc@example.com\r\n"
            + "Subject: Report Domain: example.com Submitter: reporter.example\r\n"
            + "Date: Thu, 16 Nov 2023 00:00:05 +0000\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\nContent-Type: text/plain\r\n\r\nThis is an aggregate report.\r\n"
            + $"--b1\r\nContent-Type: {contentType}\r\nContent-Transfer-Encoding: base64\r\n"
            + $"Content-Disposition: attachment; filename=\"{fileName}\"\r\n\r\n{body}\r\n--b1--\r\n");
    }

    /// <summary>A message with several base64 attachments after its text part.</summary>
    public static byte[] WithAttachments(params (byte[] Content, string FileName)[] attachments)
    {
        var builder = new StringBuilder(
            "From: noreply-dmarc-support@reporter.example\r\nTo: dmarc@example.com\r\nSubject: Reports\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nReports.\r\n");
        foreach (var (content, fileName) in attachments)
        {
            builder.Append("--b1\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n")
                .Append($"Content-Disposition: attachment; filename=\"{fileName}\"\r\n\r\n")
                .Append(Convert.ToBase64String(content, Base64FormattingOptions.InsertLineBreaks)).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(builder.Append("--b1--\r\n").ToString());
    }

    /// <summary>Wraps a whole message as a message/rfc822 attachment of a new one.</summary>
    public static byte[] Forwarding(byte[] message)
    {
        // Each level needs its own boundary, as mail clients generate them.
        var boundary = $"fwd-{Guid.NewGuid():N}";
        var head = Encoding.UTF8.GetBytes(
            "From: alice@example.com\r\nTo: dmarc@example.com\r\nSubject: Fwd: report\r\nMIME-Version: 1.0\r\n"
            + $"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
            + $"--{boundary}\r\nContent-Type: text/plain\r\n\r\nForwarding.\r\n"
            + $"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n");
        var tail = Encoding.UTF8.GetBytes($"\r\n--{boundary}--\r\n");
        return [.. head, .. message, .. tail];
    }
}
