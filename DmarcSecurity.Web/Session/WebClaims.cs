using System.Security.Claims;

namespace DmarcSecurity.Web.Session;

/// <summary>What the auth cookie says about its user. Roles are the Api's: Viewer, Analyst, Admin.</summary>
internal static class WebClaims
{
    public const string SessionId = "sid";
    public const string DisplayName = "display_name";
    public const string MustChangePassword = "pwd_change";

    public static bool IsAnalyst(this ClaimsPrincipal user) => user.IsInRole(Roles.Analyst) || user.IsInRole(Roles.Admin);

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);
}

internal static class Roles
{
    public const string Viewer = "Viewer";
    public const string Analyst = "Analyst";
    public const string Admin = "Admin";
}

/// <summary>Page policies: the same ladder as the Api's (an Admin may do what an Analyst may, and so on), so the UI
/// offers only what the Api will accept. The Api still decides.</summary>
internal static class WebPolicies
{
    public const string Analyst = "Analyst";
    public const string Admin = "Admin";
}
