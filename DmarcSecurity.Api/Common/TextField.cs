namespace DmarcSecurity.Api.Common;

internal static class TextField
{
    /// <summary>Reasons and descriptions: enough for a ticket reference and a sentence or three.</summary>
    public const int MaxLength = 1000;

    /// <summary>The trimmed text; an error naming <paramref name="field"/> when it is blank or longer than <see cref="MaxLength"/>.</summary>
    public static string Required(string? value, string field, IDictionary<string, string[]> errors)
    {
        var text = value?.Trim() ?? "";
        if (text.Length is 0 or > MaxLength)
        {
            errors[field] = [$"{field} is required, at most {MaxLength} characters."];
        }

        return text;
    }
}
