using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using MimeKit;

namespace DmarcSecurity.Api.Notifications;

/// <summary>A notice as an e-mail: a plain-text and an HTML body saying the same, and a Message-ID made from the
/// delivery's idempotency key, so every attempt of one delivery carries the same Message-ID and a mail system (or a
/// reader) can tell a retried delivery from a new notification.</summary>
public static class EmailMessages
{
    public const string IdempotencyHeader = "X-DmarcSecurity-Idempotency-Key";
    private const string SubjectPrefix = "[DmarcSecurity]";

    public static MimeMessage Render(ChannelSettings channel, Notice notice, string idempotencyKey, DateTimeOffset sentAt)
    {
        var from = MailboxAddress.Parse(channel.From!);
        var message = new MimeMessage
        {
            Subject = Subject(notice),
            Date = sentAt,
            MessageId = MessageId(idempotencyKey, from.Address),
        };
        message.From.Add(from);
        message.To.AddRange(EmailChannelValidator.Recipients(channel.To!) ?? []);
        message.Headers.Add(IdempotencyHeader, idempotencyKey);
        // RFC 3834: no out-of-office replies or bounces to an automated sender.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        var (text, html) = notice.Digest is { } digest ? Digest(notice, digest) : Alert(notice);
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }

    /// <summary>The key itself where it is a valid local part (<c>outbox-42-mail</c>), else its safe characters and a
    /// hash of the whole key, at the sender's domain.</summary>
    public static string MessageId(string idempotencyKey, string fromAddress)
    {
        var domain = fromAddress.Contains('@', StringComparison.Ordinal) ? fromAddress[(fromAddress.LastIndexOf('@') + 1)..] : "dmarcsecurity.invalid";
        var safe = new string([.. idempotencyKey.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_')]).Trim('.');
        var local = safe == idempotencyKey && safe.Length is > 0 and <= 64
            ? safe
            : $"{(safe.Length > 40 ? safe[..40] : safe)}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..16]}";
        return $"{local}@{domain}";
    }

    private static string Subject(Notice notice) => notice.Digest is not null
        ? $"{SubjectPrefix} {notice.Title}"
        : $"{SubjectPrefix} [{notice.Severity}] {notice.Title}";

    private static (string Text, string Html) Alert(Notice notice)
    {
        var text = new StringBuilder();
        text.Append(notice.Title).Append("\n\n");
        foreach (var fact in notice.Facts)
        {
            text.Append(fact.Name).Append(": ").Append(fact.Value).Append('\n');
        }

        text.Append("Occurred: ").Append(Utc(notice.OccurredAt)).Append("\n\n");
        text.Append("Reason: ").Append(notice.Text).Append('\n');
        if (notice.Link is { } link)
        {
            text.Append("\nOpen in DmarcSecurity: ").Append(link).Append('\n');
        }

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
        html.Append("<h2 style=\"color:").Append(Colour(notice.Severity)).Append("\">").Append(E(notice.Title)).Append("</h2>");
        html.Append("<table cellpadding=\"4\">");
        foreach (var fact in notice.Facts)
        {
            html.Append("<tr><th align=\"left\">").Append(E(fact.Name)).Append("</th><td>").Append(E(fact.Value)).Append("</td></tr>");
        }

        html.Append("<tr><th align=\"left\">Occurred</th><td>").Append(E(Utc(notice.OccurredAt))).Append("</td></tr></table>");
        html.Append("<p><strong>Reason:</strong> ").Append(E(notice.Text)).Append("</p>");
        if (notice.Link is { } url)
        {
            html.Append("<p><a href=\"").Append(E(url)).Append("\">Open in DmarcSecurity</a></p>");
        }

        html.Append("</body></html>");
        return (text.ToString(), html.ToString());
    }

    private static (string Text, string Html) Digest(Notice notice, DigestReport digest)
    {
        var text = new StringBuilder();
        var html = new StringBuilder();
        text.Append(notice.Title).Append("\n\n").Append(notice.Text).Append('\n');
        html.Append("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
        html.Append("<h1>").Append(E(notice.Title)).Append("</h1><p>").Append(E(notice.Text)).Append("</p>");
        if (digest.Domains.Count == 0)
        {
            text.Append("\nNo reports arrived in this period.\n");
            html.Append("<p>No reports arrived in this period.</p>");
        }

        foreach (var d in digest.Domains)
        {
            var lines = DomainLines(d);
            text.Append('\n').Append(d.Domain).Append('\n').Append(new string('=', d.Domain.Length)).Append('\n');
            foreach (var (name, value) in lines)
            {
                text.Append(name).Append(": ").Append(value).Append('\n');
            }

            html.Append("<h2>").Append(E(d.Domain)).Append("</h2><table cellpadding=\"4\">");
            foreach (var (name, value) in lines)
            {
                html.Append("<tr><th align=\"left\">").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>");
            }

            html.Append("</table>");
            Items(text, html, "New senders", d.NewSenders.Select(s => $"{s.Address} ({N(s.Messages)} messages)"), d.NewSenderCount);
            Items(text, html, "Open alerts", d.OpenAlerts.Select(a => $"[{a.Severity}] {a.Title} (last seen {Utc(a.LastSeenAt)})"), d.OpenAlertCount);
            Items(text, html, "Decisions", d.Decisions.Select(x =>
                $"{x.Ip}: {x.Action}{(x.Simulated ? " (simulated)" : "")}, {x.Severity}, score {x.Score.ToString("0.00", CultureInfo.InvariantCulture)}, {Utc(x.IssuedAt)}"), d.DecisionCount);
            if (notice.Link is { } baseUrl)
            {
                var link = new Uri(new Uri(baseUrl), $"/domains/{Uri.EscapeDataString(d.Domain)}").ToString();
                text.Append("Open in DmarcSecurity: ").Append(link).Append('\n');
                html.Append("<p><a href=\"").Append(E(link)).Append("\">Open ").Append(E(d.Domain)).Append(" in DmarcSecurity</a></p>");
            }
        }

        html.Append("</body></html>");
        return (text.ToString(), html.ToString());
    }

    /// <summary>The figures of one domain, the same words in both bodies.</summary>
    private static List<(string Name, string Value)> DomainLines(DomainDigest d) =>
    [
        ("Messages", $"{N(d.Messages)} (week before: {N(d.PreviousMessages)})"),
        ("DMARC pass rate", $"{Rate(d.Passing, d.Messages)} (week before: {Rate(d.PreviousPassing, d.PreviousMessages)})"),
        ("New senders", N(d.NewSenderCount)),
        ("Open alerts", N(d.OpenAlertCount)),
        ("Decisions", d.DecisionCount == 0 ? "0" : $"{N(d.DecisionCount)} ({string.Join(", ", d.DecisionsByAction.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} {N(a.Value)}"))})"),
    ];

    private static void Items(StringBuilder text, StringBuilder html, string heading, IEnumerable<string> items, int total)
    {
        var list = items.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var more = total - list.Count;
        text.Append(heading).Append(":\n");
        html.Append("<h3>").Append(E(heading)).Append("</h3><ul>");
        foreach (var item in list)
        {
            text.Append("  - ").Append(item).Append('\n');
            html.Append("<li>").Append(E(item)).Append("</li>");
        }

        if (more > 0)
        {
            text.Append("  ... and ").Append(N(more)).Append(" more\n");
            html.Append("<li>... and ").Append(N(more)).Append(" more</li>");
        }

        html.Append("</ul>");
    }

    /// <summary>One decimal, or "n/a" without messages.</summary>
    public static string Rate(long part, long whole) =>
        whole > 0 ? ((double)part / whole).ToString("0.0 %", CultureInfo.InvariantCulture) : "n/a";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Utc(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Colour(Severity severity) => severity switch
    {
        Severity.Critical => "#B71C1C",
        Severity.High => "#E65100",
        Severity.Medium => "#F9A825",
        Severity.Low => "#1565C0",
        _ => "#607D8B",
    };
}
