using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace DmarcSecurity.Core.Addresses;

/// <summary>Domain names as the grains key them: lower-case, no trailing dot, ASCII (IDNs in punycode).</summary>
public static class DomainName
{
    private const int MaxLength = 253;
    private const int MaxLabel = 63;
    private static readonly IdnMapping s_idn = new();

    public static string Normalise(string text) => text.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>A plausible registrable-or-deeper domain: two labels or more, each 1-63 letters, digits or inner
    /// hyphens, 253 characters at most.</summary>
    public static bool TryNormalise(string? text, [NotNullWhen(true)] out string? domain)
    {
        domain = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string ascii;
        try
        {
            ascii = s_idn.GetAscii(Normalise(text));
        }
        catch (ArgumentException)
        {
            return false;
        }

        var labels = ascii.Split('.');
        if (ascii.Length > MaxLength || labels.Length < 2 || !labels.All(IsLabel))
        {
            return false;
        }

        domain = ascii.ToLowerInvariant();
        return true;
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= MaxLabel && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
