namespace DmarcSecurity.Api.Common;

/// <summary>Filter and request values that must be one of a fixed set of names, matched case-insensitively and
/// stored in their canonical spelling.</summary>
internal static class NamedValue
{
    /// <summary>The canonical spelling of <paramref name="value"/>, or null when it is blank or not one of <paramref name="allowed"/>.</summary>
    public static string? Canonical(string? value, IReadOnlyList<string> allowed) =>
        string.IsNullOrWhiteSpace(value) ? null : allowed.FirstOrDefault(a => string.Equals(a, value.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Adds an error naming <paramref name="field"/> when a value is given and is not one of <paramref name="allowed"/>.</summary>
    public static void Validate(string? value, string field, IReadOnlyList<string> allowed, IDictionary<string, string[]> errors)
    {
        if (!string.IsNullOrWhiteSpace(value) && Canonical(value, allowed) is null)
        {
            errors[field] = [Message(field, allowed)];
        }
    }

    public static string Message(string field, IReadOnlyList<string> allowed) => $"{field} must be one of {string.Join(", ", allowed)}.";

    /// <summary>The names of <typeparamref name="TEnum"/>'s members, in declaration order.</summary>
    public static IReadOnlyList<string> Of<TEnum>()
        where TEnum : struct, Enum => Names<TEnum>.All;

    private static class Names<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly string[] All = Enum.GetNames<TEnum>();
    }
}
