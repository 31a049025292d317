namespace DmarcSecurity.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry export settings, read under the names Aspire injects (OTEL_EXPORTER_OTLP_ENDPOINT,
/// OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) from configuration, so tests and
/// hosts can set them in any configuration source, not only the process environment.
/// </summary>
internal sealed record TelemetryOptions(Uri? Endpoint, bool HttpProtobuf, string ServiceName, IReadOnlyList<KeyValuePair<string, object>> Attributes)
{
    public static TelemetryOptions From(IConfiguration configuration, string applicationName)
    {
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"];
        var attributes = (configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[0].Length > 0)
            .Select(parts => new KeyValuePair<string, object>(parts[0].Trim(), Uri.UnescapeDataString(parts[1].Trim())))
            .ToList();
        return new TelemetryOptions(
            string.IsNullOrWhiteSpace(endpoint) ? null : new Uri(endpoint, UriKind.Absolute),
            string.Equals(protocol, "http/protobuf", StringComparison.OrdinalIgnoreCase),
            configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : applicationName,
            attributes);
    }

    /// <summary>The endpoint one signal is sent to: gRPC takes the base address, OTLP/HTTP a path per signal.</summary>
    public Uri SignalEndpoint(string signalPath) =>
        HttpProtobuf ? new Uri(Endpoint!, Endpoint!.AbsolutePath.TrimEnd('/') + "/" + signalPath) : Endpoint!;
}
