using System.Text.Json;
using System.Text.Json.Serialization;
using DmarcSecurity.Core.Reports;

namespace DmarcSecurity.Data.Reports;

/// <summary>A record's override reasons and DKIM/SPF results are stored as JSON arrays on the record row (jsonb on
/// PostgreSQL): they are always read with their record, and one row per record instead of three is what lets
/// bulk ingestion keep its rate. Null stands for an empty list. Written from the Core types and read as the DTOs,
/// which have the same members.</summary>
internal static class RecordJson
{
    public static string? Write(IReadOnlyList<PolicyOverrideReason> reasons) =>
        reasons.Count == 0 ? null : JsonSerializer.Serialize(reasons, RecordJsonContext.Default.IReadOnlyListPolicyOverrideReason);

    public static string? Write(IReadOnlyList<DkimAuthResult> dkim) =>
        dkim.Count == 0 ? null : JsonSerializer.Serialize(dkim, RecordJsonContext.Default.IReadOnlyListDkimAuthResult);

    public static string? Write(IReadOnlyList<SpfAuthResult> spf) =>
        spf.Count == 0 ? null : JsonSerializer.Serialize(spf, RecordJsonContext.Default.IReadOnlyListSpfAuthResult);

    public static IReadOnlyList<OverrideReasonDto> ReadReasons(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize(json, RecordJsonContext.Default.ListOverrideReasonDto) ?? [];

    public static IReadOnlyList<DkimResultDto> ReadDkim(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize(json, RecordJsonContext.Default.ListDkimResultDto) ?? [];

    public static IReadOnlyList<SpfResultDto> ReadSpf(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize(json, RecordJsonContext.Default.ListSpfResultDto) ?? [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IReadOnlyList<PolicyOverrideReason>))]
[JsonSerializable(typeof(IReadOnlyList<DkimAuthResult>))]
[JsonSerializable(typeof(IReadOnlyList<SpfAuthResult>))]
[JsonSerializable(typeof(List<OverrideReasonDto>))]
[JsonSerializable(typeof(List<DkimResultDto>))]
[JsonSerializable(typeof(List<SpfResultDto>))]
internal sealed partial class RecordJsonContext : JsonSerializerContext;
