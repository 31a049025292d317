using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Components;

namespace DmarcSecurity.Web.Components.Shared;

internal static class LoginUrl
{
    /// <summary>The sign-in page, told to come back to the page the user is on.</summary>
    public static string For(NavigationManager navigation) =>
        "/account/login?returnUrl=" + Uri.EscapeDataString("/" + navigation.ToBaseRelativePath(navigation.Uri));

    /// <summary>Only a path on this site is followed after sign-in; anything else (or one with control characters)
    /// goes to the dashboard. Characters a Location header cannot carry (non-ASCII, spaces) are percent-encoded as
    /// UTF-8, as a browser would have sent them.</summary>
    public static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.StartsWith("/account/", StringComparison.OrdinalIgnoreCase)
            && !returnUrl.Any(char.IsControl)
            ? Encode(returnUrl)
            : "/";

    private static string Encode(string url)
    {
        if (!url.Any(c => c is > '~' or ' '))
        {
            return url;
        }

        var encoded = new StringBuilder(url.Length * 3);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes())
        {
            if (rune.IsAscii && rune.Value != ' ')
            {
                encoded.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}
