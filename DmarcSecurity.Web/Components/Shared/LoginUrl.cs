using Microsoft.AspNetCore.Components;

namespace DmarcSecurity.Web.Components.Shared;

internal static class LoginUrl
{
    /// <summary>The sign-in page, told to come back to the page the user is on.</summary>
    public static string For(NavigationManager navigation) =>
        "/account/login?returnUrl=" + Uri.EscapeDataString("/" + navigation.ToBaseRelativePath(navigation.Uri));

    /// <summary>Only a path on this site is followed after sign-in; anything else goes to the dashboard.</summary>
    public static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.StartsWith("/account/", StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/";
}
