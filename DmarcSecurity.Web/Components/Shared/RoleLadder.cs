using System.Security.Claims;
using DmarcSecurity.Web.Session;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>The Api's roles, lowest first.</summary>
internal static class RoleLadder
{
    public static readonly IReadOnlyList<string> All = [Roles.Viewer, Roles.Analyst, Roles.Admin];

    /// <summary>The roles up to the user's own: what a key the user creates may act with.</summary>
    public static IReadOnlyList<string> UpTo(ClaimsPrincipal user) =>
        user.IsAdmin() ? All : user.IsAnalyst() ? [Roles.Viewer, Roles.Analyst] : [Roles.Viewer];
}
