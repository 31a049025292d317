using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DmarcSecurity.Core.Grains;

namespace DmarcSecurity.Api.Notifications;

/// <summary>A notice in each channel's own format, within the limits each service sets on lengths and counts.</summary>
public static class ChannelMessages
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string TimestampHeader = "X-DmarcSecurity-Timestamp";
    public const string SignatureHeader = "X-DmarcSecurity-Signature";

    public static byte[] Render(ChannelKind kind, Notice notice, string idempotencyKey, DateTimeOffset sentAt) => kind switch
    {
        ChannelKind.Slack => Json(Slack(notice)),
        ChannelKind.Teams => Json(Teams(notice)),
        ChannelKind.Discord => Json(Discord(notice)),
        _ => Json(Webhook(notice, idempotencyKey, sentAt)),
    };

    /// <summary><c>v1=</c> and the lower-case hex HMAC-SHA256, keyed with the channel's secret, of
    /// <c>{timestamp}.{body}</c> (the timestamp in Unix seconds, as sent in <see cref="TimestampHeader"/>). A receiver
    /// recomputes it, compares in constant time, and refuses timestamps more than a few minutes old.</summary>
    public static string Signature(string secret, long timestamp, byte[] body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    private static JsonObject Webhook(Notice n, string id, DateTimeOffset sentAt) => new()
    {
        ["id"] = id,
        ["type"] = n.Type,
        ["severity"] = n.Severity.ToString(),
        ["title"] = n.Title,
        ["text"] = n.Text,
        ["subject"] = n.Subject,
        ["occurredAt"] = n.OccurredAt,
        ["sentAt"] = sentAt,
        ["link"] = n.Link,
        ["facts"] = new JsonObject(n.Facts.Select(f => KeyValuePair.Create(f.Name, (JsonNode?)f.Value))),
        ["alert"] = n.Alert is { } alert ? JsonNode.Parse(alert.GetRawText()) : null,
        ["decision"] = n.Decision is { } decision ? JsonNode.Parse(decision.GetRawText()) : null,
    };

    /// <summary>Block Kit: a header (150 characters at most), the text (3,000), the facts as fields (10 at most), and
    /// the link. <c>text</c> is what notifications and screen readers show.</summary>
    private static JsonObject Slack(Notice n)
    {
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = PlainText(Cut(n.Title, 150)) },
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Cut(SlackEscape(n.Text), 3000) } },
            new JsonObject
            {
                ["type"] = "section",
                ["fields"] = new JsonArray([.. n.Facts.Take(10).Select(f => (JsonNode)new JsonObject
                {
                    ["type"] = "mrkdwn",
                    ["text"] = Cut($"*{SlackEscape(f.Name)}*\n{SlackEscape(f.Value)}", 2000),
                })]),
            },
        };
        if (n.Link is { } link)
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = $"<{link}|Open in DmarcSecurity>" }),
            });
        }

        return new JsonObject { ["text"] = Cut($"[{n.Severity}] {n.Title}", 3000), ["blocks"] = blocks };
    }

    /// <summary>A message with one Adaptive Card (version 1.4, what Teams renders), as incoming webhooks and
    /// Workflows' "post to a channel when a webhook request is received" accept.</summary>
    private static JsonObject Teams(Notice n)
    {
        var body = new JsonArray
        {
            new JsonObject { ["type"] = "TextBlock", ["text"] = n.Title, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true, ["color"] = n.Severity >= Severity.High ? "Attention" : "Default" },
            new JsonObject { ["type"] = "TextBlock", ["text"] = n.Text, ["wrap"] = true },
            new JsonObject { ["type"] = "FactSet", ["facts"] = new JsonArray([.. n.Facts.Select(f => (JsonNode)new JsonObject { ["title"] = f.Name, ["value"] = f.Value })]) },
        };
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = body,
        };
        if (n.Link is { } link)
        {
            card["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open in DmarcSecurity", ["url"] = link });
        }

        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["content"] = card }),
        };
    }

    /// <summary>One embed: title 256 characters, description 4,096, fields 25 of 1,024, coloured by severity.</summary>
    private static JsonObject Discord(Notice n)
    {
        var embed = new JsonObject
        {
            ["title"] = Cut(n.Title, 256),
            ["description"] = Cut(n.Text, 4096),
            ["color"] = n.Severity switch
            {
                Severity.Critical => 0xB71C1C,
                Severity.High => 0xE65100,
                Severity.Medium => 0xF9A825,
                Severity.Low => 0x1565C0,
                _ => 0x607D8B,
            },
            ["fields"] = new JsonArray([.. n.Facts.Take(25).Select(f => (JsonNode)new JsonObject
            {
                ["name"] = Cut(f.Name, 256),
                ["value"] = Cut(f.Value.Length == 0 ? "-" : f.Value, 1024),
                ["inline"] = true,
            })]),
            ["timestamp"] = n.OccurredAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        };
        if (n.Link is { } link)
        {
            embed["url"] = link;
        }

        return new JsonObject { ["username"] = "DmarcSecurity", ["embeds"] = new JsonArray(embed) };
    }

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text };

    /// <summary>Slack reads &amp;, &lt; and &gt; as markup.</summary>
    private static string SlackEscape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Cut(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    private static byte[] Json(JsonObject message) => JsonSerializer.SerializeToUtf8Bytes(message);
}
