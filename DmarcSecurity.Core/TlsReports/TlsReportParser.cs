using System.Globalization;
using System.Net;
using System.Text.Json;
using DmarcSecurity.Core.Addresses;
using DmarcSecurity.Core.Ingestion;

namespace DmarcSecurity.Core.TlsReports;

/// <summary>
/// Parses one SMTP TLS report (RFC 8460 section 4) from its JSON bytes, refusing what is not valid JSON, nested
/// deeper than any report, or not a report, with a reason that names the field at fault.
/// </summary>
public static class TlsReportParser
{
    /// <summary>A report nests five deep (report, policies, policy, failure-details, detail); the rest is slack for
    /// reporters' extensions. Deeper input is refused before a document is built.</summary>
    public const int MaxDepth = 16;

    private const int MaxNameLength = 1024;
    private const int MaxTextLength = 8192;

    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>Parses a report; the bytes may start with a UTF-8 byte order mark.</summary>
    /// <param name="json">The report's JSON, already decompressed.</param>
    /// <exception cref="ReportRejectedException">
    /// Empty (<see cref="RejectionReason.EmptyInput"/>), nested past <see cref="MaxDepth"/>
    /// (<see cref="RejectionReason.NestingTooDeep"/>), cut off (<see cref="RejectionReason.Truncated"/>), not JSON
    /// (<see cref="RejectionReason.MalformedJson"/>), JSON but not a TLS report (<see cref="RejectionReason.NotAReport"/>),
    /// or a field missing, of the wrong type or out of range (<see cref="RejectionReason.InvalidReportField"/>,
    /// <see cref="RejectionReason.InvalidPolicyDomain"/>).
    /// </exception>
    public static TlsReport Parse(ReadOnlyMemory<byte> json)
    {
        var bytes = json.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? json[3..] : json;
        if (bytes.Span.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            throw new ReportRejectedException(RejectionReason.EmptyInput, "The report is empty.");
        }

        CheckDepth(bytes.Span);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, s_documentOptions);
        }
        catch (JsonException e)
        {
            throw Malformed(e, bytes.Span);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || (!root.TryGetProperty("organization-name", out _) && !root.TryGetProperty("policies", out _)))
            {
                throw new ReportRejectedException(
                    RejectionReason.NotAReport,
                    "The JSON is not an SMTP TLS report (RFC 8460): it has no organization-name and no policies.");
            }

            return ReadReport(root);
        }
    }

    private static TlsReport ReadReport(JsonElement root)
    {
        var organization = RequiredName(root, "organization-name", "");
        var range = Required(root, "date-range", "", JsonValueKind.Object);
        var start = RequiredTime(range, "start-datetime", "date-range.");
        var end = RequiredTime(range, "end-datetime", "date-range.");
        if (end < start)
        {
            throw Invalid("date-range.end-datetime", $"is before start-datetime ({end:O} < {start:O}).");
        }

        var contact = OptionalText(root, "contact-info", "", MaxNameLength);
        var reportId = RequiredName(root, "report-id", "");
        var policies = Required(root, "policies", "", JsonValueKind.Array);
        if (policies.GetArrayLength() == 0)
        {
            throw Invalid("policies", "holds no policy; a report has at least one.");
        }

        var results = new List<TlsPolicyResult>(policies.GetArrayLength());
        var index = 0;
        foreach (var entry in policies.EnumerateArray())
        {
            results.Add(ReadPolicy(entry, $"policies[{index++}]"));
        }

        try
        {
            _ = checked(results.Sum(p => checked(p.SuccessfulSessions + p.FailedSessions)));
        }
        catch (OverflowException)
        {
            throw Invalid("policies", $"session counts add up to more than {long.MaxValue:N0}.");
        }

        return new TlsReport(organization, start, end, contact, reportId, results);
    }

    private static TlsPolicyResult ReadPolicy(JsonElement entry, string path)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw WrongType(path, "an object", entry);
        }

        var policy = Required(entry, "policy", path + ".", JsonValueKind.Object);
        var policyPath = path + ".policy.";
        var type = RequiredName(policy, "policy-type", policyPath).ToLowerInvariant();
        if (!TlsPolicyTypes.All.Contains(type))
        {
            throw Invalid(policyPath + "policy-type", $"is \"{Preview(type)}\"; expected {string.Join(", ", TlsPolicyTypes.All)}.");
        }

        var domainText = RequiredName(policy, "policy-domain", policyPath);
        if (!DomainName.TryNormalise(domainText, out var domain))
        {
            throw new ReportRejectedException(
                RejectionReason.InvalidPolicyDomain,
                $"{policyPath}policy-domain \"{Preview(domainText)}\" is not a domain name.");
        }

        var strings = TextList(policy, "policy-string", policyPath);
        var mxHosts = TextList(policy, "mx-host", policyPath);

        var summary = Required(entry, "summary", path + ".", JsonValueKind.Object);
        var successful = RequiredCount(summary, "total-successful-session-count", path + ".summary.");
        var failed = RequiredCount(summary, "total-failure-session-count", path + ".summary.");

        var details = new List<TlsFailureDetail>();
        if (entry.TryGetProperty("failure-details", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw WrongType(path + ".failure-details", "an array", list);
            }

            var index = 0;
            foreach (var detail in list.EnumerateArray())
            {
                details.Add(ReadFailure(detail, $"{path}.failure-details[{index++}]"));
            }
        }

        return new TlsPolicyResult(type, domain, strings, mxHosts, successful, failed, details);
    }

    private static TlsFailureDetail ReadFailure(JsonElement detail, string path)
    {
        if (detail.ValueKind != JsonValueKind.Object)
        {
            throw WrongType(path, "an object", detail);
        }

        var prefix = path + ".";
        return new TlsFailureDetail(
            RequiredName(detail, "result-type", prefix).ToLowerInvariant(),
            OptionalAddress(detail, "sending-mta-ip", prefix),
            OptionalText(detail, "receiving-mx-hostname", prefix, MaxNameLength),
            OptionalText(detail, "receiving-mx-helo", prefix, MaxNameLength),
            OptionalAddress(detail, "receiving-ip", prefix),
            RequiredCount(detail, "failed-session-count", prefix),
            OptionalText(detail, "additional-information", prefix, MaxTextLength),
            OptionalText(detail, "failure-reason-code", prefix, MaxNameLength));
    }

    private static JsonElement Required(JsonElement parent, string name, string prefix, JsonValueKind kind)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Invalid(prefix + name, "is missing; it is required.");
        }

        if (value.ValueKind != kind)
        {
            throw WrongType(prefix + name, kind == JsonValueKind.Object ? "an object" : kind == JsonValueKind.Array ? "an array" : "a string", value);
        }

        return value;
    }

    private static string RequiredName(JsonElement parent, string name, string prefix)
    {
        var text = Required(parent, name, prefix, JsonValueKind.String).GetString()!.Trim();
        if (text.Length == 0)
        {
            throw Invalid(prefix + name, "is empty.");
        }

        return Bounded(text, prefix + name, MaxNameLength);
    }

    private static string? OptionalText(JsonElement parent, string name, string prefix, int maxLength)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw WrongType(prefix + name, "a string", value);
        }

        var text = value.GetString()!.Trim();
        return text.Length == 0 ? null : Bounded(text, prefix + name, maxLength);
    }

    private static string? OptionalAddress(JsonElement parent, string name, string prefix)
    {
        if (OptionalText(parent, name, prefix, 64) is not { } text)
        {
            return null;
        }

        return IPAddress.TryParse(text, out var address)
            ? address.ToString()
            : throw Invalid(prefix + name, $"\"{Preview(text)}\" is not an IP address.");
    }

    /// <summary>A string or an array of strings: RFC 8460's schema and its example disagree on <c>mx-host</c>, and
    /// reporters send both.</summary>
    private static IReadOnlyList<string> TextList(JsonElement parent, string name, string prefix)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!.Trim() is { Length: > 0 } one ? [Bounded(one, prefix + name, MaxTextLength)] : [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(prefix + name, "an array of strings", value);
        }

        var items = new List<string>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var path = $"{prefix}{name}[{index++}]";
            if (item.ValueKind != JsonValueKind.String)
            {
                throw WrongType(path, "a string", item);
            }

            if (item.GetString()!.Trim() is { Length: > 0 } text)
            {
                items.Add(Bounded(text, path, MaxTextLength));
            }
        }

        return items;
    }

    private static long RequiredCount(JsonElement parent, string name, string prefix)
    {
        var path = prefix + name;
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Invalid(path, "is missing; it is required.");
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw WrongType(path, "a whole number", value);
        }

        if (!value.TryGetInt64(out var count))
        {
            throw Invalid(path, $"is {Preview(value.GetRawText())}; expected a whole number from 0 to {long.MaxValue:N0}.");
        }

        return count >= 0 ? count : throw Invalid(path, $"is {count}; a session count cannot be negative.");
    }

    private static DateTimeOffset RequiredTime(JsonElement parent, string name, string prefix)
    {
        var text = RequiredName(parent, name, prefix);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw Invalid(prefix + name, $"\"{Preview(text)}\" is not an RFC 3339 date-time.");
    }

    private static string Bounded(string text, string path, int maxLength) =>
        text.Length <= maxLength ? text : throw Invalid(path, $"is {text.Length:N0} characters long; at most {maxLength:N0} are accepted.");

    /// <summary>Walks the tokens once, counting depth ourselves, so nesting past the limit has its own reason (the
    /// reader's own limit is set higher so that this check is the one that fires).</summary>
    private static void CheckDepth(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= MaxDepth)
                {
                    throw new ReportRejectedException(
                        RejectionReason.NestingTooDeep,
                        $"The JSON nests objects and arrays more than {MaxDepth} deep; a TLS report needs five.");
                }
            }
        }
        catch (JsonException e)
        {
            throw Malformed(e, json);
        }
    }

    private static ReportRejectedException Malformed(JsonException e, ReadOnlySpan<byte> json)
    {
        var tail = json.TrimEnd(" \t\r\n\0"u8);
        return tail.IsEmpty || tail[^1] is not ((byte)'}' or (byte)']')
            ? new ReportRejectedException(RejectionReason.Truncated, $"The JSON ends before the report is complete; the file looks truncated ({e.Message}).", e)
            : new ReportRejectedException(RejectionReason.MalformedJson, $"The JSON is not well-formed: {e.Message}", e);
    }

    private static ReportRejectedException WrongType(string path, string expected, JsonElement actual) =>
        Invalid(path, $"is {KindName(actual.ValueKind)}; expected {expected}.");

    private static ReportRejectedException Invalid(string path, string problem) =>
        new(RejectionReason.InvalidReportField, $"The TLS report's field {path} {problem}");

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Preview(string text)
    {
        var shown = new string(text.AsSpan(0, Math.Min(text.Length, 60)).ToArray().Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 60 ? shown + "..." : shown;
    }
}
