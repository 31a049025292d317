namespace DmarcSecurity.Api.Common;

internal static class TextField
{
    /// <summary>Reasons and descriptions: enough for a ticket reference and a sentence or three.</summary>
    public const int MaxLength = 1000;

    /// <summary>Names people give things (keys, display names): one line.</summary>
    public const int MaxNameLength = 100;

    /// <summary>The trimmed text; an error naming <paramref name="field"/> when it is blank, longer than
    /// <see cref="MaxLength"/>, or holds characters that disguise text (see <see cref="Unsafe"/>).</summary>
    public static string Required(string? value, string field, IDictionary<string, string[]> errors)
    {
        var text = value?.Trim() ?? "";
        if (text.Length is 0 or > MaxLength)
        {
            errors[field] = [$"{field} is required, at most {MaxLength} characters."];
        }
        else if (Unsafe(text, multiline: true) is { } problem)
        {
            errors[field] = [$"{field} {problem}"];
        }

        return text;
    }

    /// <summary>Why a one-line name is refused (blank, too long, or disguising characters), or null when it is fine.</summary>
    public static string? CheckName(string? value) =>
        string.IsNullOrWhiteSpace(value) || value.Trim().Length > MaxNameLength
            ? $"must be 1-{MaxNameLength} characters."
            : Unsafe(value, multiline: false);

    /// <summary>Control characters (line breaks too, unless <paramref name="multiline"/>) and the bidirectional
    /// overrides and isolates that make a name read differently from what it is (U+202A-U+202E, U+2066-U+2069, and the
    /// invisible direction marks), or null when there are none.</summary>
    private static string? Unsafe(string text, bool multiline)
    {
        foreach (var c in text)
        {
            if (c is '\u202A' or '\u202B' or '\u202C' or '\u202D' or '\u202E' or '\u2066' or '\u2067' or '\u2068' or '\u2069'
                or '\u200E' or '\u200F' or '\u061C')
            {
                return "may not hold bidirectional control characters.";
            }

            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
            {
                return "may not hold control characters.";
            }
        }

        return null;
    }
}
