namespace DmarcSecurity.Api.Common;

/// <summary>Errors by field for requests checked field by field (notification channels, mailboxes), each message once,
/// and the one-line text fields they share.</summary>
internal static class FieldErrors
{
    public static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var messages))
        {
            errors[field] = messages = [];
        }

        if (!messages.Contains(message, StringComparer.Ordinal))
        {
            messages.Add(message);
        }
    }

    /// <summary>The new value of a one-line setting: <paramref name="current"/> when the request leaves it out, null when
    /// it is blank, else the text (trimmed unless <paramref name="trim"/> is false, as secrets are kept as given), with an
    /// error when it is longer than <paramref name="maxLength"/> or holds control characters.</summary>
    public static string? Text(
        string? value, string field, string? current, int maxLength, Dictionary<string, List<string>> errors, bool trim = true)
    {
        if (value is null)
        {
            return current;
        }

        var text = trim ? value.Trim() : value;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > maxLength || text.Any(char.IsControl))
        {
            Add(errors, field, $"{field} must be one line of at most {maxLength} characters.");
        }

        return text;
    }

    /// <summary>A settings property's name as the request's JSON names it (camelCase).</summary>
    public static string JsonName(string property) => char.ToLowerInvariant(property[0]) + property[1..];
}
