using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DmarcSecurity.Api.Common;

/// <summary>Enums travel as their names, and only a defined name binds. <see cref="JsonStringEnumConverter"/> also takes
/// numbers (<c>{"role": 5}</c>) and comma-joined names (<c>"Viewer, Admin"</c> reads as their bitwise or, Admin), both of
/// which reach the handlers as values nobody chose; here they are a bad request.</summary>
internal sealed class DefinedEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(NameConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class NameConverter<T> : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            // Enum.TryParse alone would take "5", "-1" and "Viewer, Admin".
            if (text is null || !Enum.GetNames<T>().Contains(text, StringComparer.OrdinalIgnoreCase)
                || !Enum.TryParse<T>(text, ignoreCase: true, out var value))
            {
                throw new JsonException($"Expected one of {string.Join(", ", Enum.GetNames<T>())}.");
            }

            return value;
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }

    /// <summary>The OpenAPI schema of an enum: a string, one of its names (the schema generator knows only the
    /// framework's own converter and would describe it as anything).</summary>
    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type.IsEnum)
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = Enum.GetNames(context.JsonTypeInfo.Type).Select(name => (JsonNode)JsonValue.Create(name)).ToList();
        }

        return Task.CompletedTask;
    }
}
