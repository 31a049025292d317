using System.Text.Json;

namespace DmarcSecurity.Api.Common;

/// <summary>JSON the database holds as text (grain states, score breakdowns, discriminators), handed to clients as
/// JSON values and read by property name: the Api does not share the silo's types.</summary>
internal static class StoredJson
{
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static JsonElement? Property(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static double? Number(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;

    public static long NumberOrZero(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var number) ? number : 0;

    public static string? Text(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static bool? Flag(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : null;

    public static IEnumerable<JsonElement> Items(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.Array } value ? value.EnumerateArray() : [];

    public static int Count(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.Object } value ? value.EnumerateObject().Count() : 0;
}
