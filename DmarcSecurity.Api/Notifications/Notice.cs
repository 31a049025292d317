using System.Globalization;
using System.Text.Json;
using DmarcSecurity.Core.Grains;

namespace DmarcSecurity.Api.Notifications;

public sealed record NoticeFact(string Name, string Value);

/// <summary>What a notification says, before a channel's format: made once from the outbox message and stored with
/// each delivery, so every attempt says the same.</summary>
/// <param name="Subject">The domain or address it is about.</param>
/// <param name="Alert">The alert as the grain raised it, for the Webhook channel's receivers.</param>
/// <param name="Decision">The decision that raised it, if any.</param>
/// <param name="Digest">The figures of a weekly digest (e-mail channels only).</param>
/// <param name="Rule">The key of the alert rule that raised it (a decision's notice: the rule whose alert carries it);
/// none for a test or a digest, which go to the channels they are sent to.</param>
public sealed record Notice(
    string Type, Severity Severity, string Title, string Text, string? Subject, DateTimeOffset OccurredAt, IReadOnlyList<NoticeFact> Facts,
    string? Link, JsonElement? Alert = null, JsonElement? Decision = null, DigestReport? Digest = null, string? Rule = null)
{
    public const string TestType = "test";

    public const string DigestType = "digest.weekly";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static Notice FromJson(string json) => JsonSerializer.Deserialize<Notice>(json, s_json) ?? throw new JsonException("The notice is null.");

    /// <summary>The notice for an outbox message of the Notify channel, as the grains write it (<c>alert.raised</c>,
    /// with the alert and, for a threat alert, the decision). Throws <see cref="JsonException"/> when it cannot be read.</summary>
    public static Notice FromOutbox(string messageType, string payload, Uri? webBase)
    {
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        var alert = root.TryGetProperty("alert", out var a) && a.ValueKind == JsonValueKind.Object ? a.Clone() : (JsonElement?)null;
        var decision = root.TryGetProperty("decision", out var d) && d.ValueKind == JsonValueKind.Object ? d.Clone() : (JsonElement?)null;
        if (alert is not { } al)
        {
            throw new JsonException($"Outbox message '{messageType}' holds no alert.");
        }

        var grainType = Field(al, "grainType");
        var key = Field(al, "grainKey");
        var facts = new List<NoticeFact>
        {
            new("Severity", Field(al, "severity")),
            new(grainType == GrainTypes.Domain ? "Domain" : "Source", key),
            new("Rule", Field(al, "ruleKey")),
        };
        if (al.TryGetProperty("occurrences", out var occurrences) && occurrences.TryGetInt32(out var count) && count > 1)
        {
            facts.Add(new("Occurrences", count.ToString(CultureInfo.InvariantCulture)));
        }

        if (decision is { } de)
        {
            var simulated = de.TryGetProperty("simulated", out var s) && s.ValueKind == JsonValueKind.True;
            facts.Add(new("Decision", $"{Field(de, "action")}{(simulated ? " (simulated)" : "")}, score {de.GetProperty("score").GetDouble().ToString("0.00", CultureInfo.InvariantCulture)}"));
            facts.Add(new("Expires", de.GetProperty("expiresAt").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)));
        }

        var path = grainType == GrainTypes.Domain ? $"/domains/{Uri.EscapeDataString(key)}" : $"/sources/{Uri.EscapeDataString(key)}";
        return new Notice(
            messageType,
            Enum.Parse<Severity>(Field(al, "severity")),
            Field(al, "title"),
            Field(al, "detail"),
            key,
            al.GetProperty("occurredAt").GetDateTimeOffset(),
            facts,
            webBase is null ? null : new Uri(webBase, path).ToString(),
            alert,
            decision,
            Rule: Field(al, "ruleKey") is { Length: > 0 } rule ? rule : null);
    }

    /// <summary>What an Admin's "send test" delivers.</summary>
    public static Notice Test(string channel, string actor, DateTimeOffset now, Uri? webBase) => new(
        TestType, Severity.Info, $"Test notification for {channel}",
        $"{actor} sent this test from DmarcSecurity to check that the channel '{channel}' receives notifications.",
        null, now, [new NoticeFact("Channel", channel), new NoticeFact("Sent by", actor)], webBase?.ToString());

    private static string Field(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
