using System.Collections.Frozen;
using System.Reflection;

namespace DmarcSecurity.Api.Auth;

/// <summary>At least 12 characters, not on the list of common passwords, not the user's e-mail, not one repeated
/// character. Length matters more than composition rules, so there are none of those.</summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 12;

    private static readonly FrozenSet<string> s_common = Load();

    /// <summary>Null when acceptable, otherwise a sentence for the user.</summary>
    public static string? Check(string? password, string? email = null)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength)
        {
            return $"The password must be at least {MinimumLength} characters long.";
        }

        if (password.Length > 1024)
        {
            return "The password must be at most 1024 characters long.";
        }

        var folded = password.Trim().ToLowerInvariant();
        if (s_common.Contains(folded) || password.All(c => c == password[0]))
        {
            return "This password is too common; choose another.";
        }

        if (email is not null && (folded == email.ToLowerInvariant() || folded == email.Split('@')[0].ToLowerInvariant()))
        {
            return "The password must not be the e-mail address.";
        }

        return null;
    }

    private static FrozenSet<string> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is missing from the assembly.");
        using var reader = new StreamReader(stream);
        var words = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                words.Add(line.Trim().ToLowerInvariant());
            }
        }

        return words.ToFrozenSet(StringComparer.Ordinal);
    }
}
