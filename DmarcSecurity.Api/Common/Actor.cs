using System.Security.Claims;
using DmarcSecurity.Api.Auth;

namespace DmarcSecurity.Api.Common;

internal static class Actor
{
    /// <summary>The caller as history rows and review columns name them: the e-mail, which every access token and
    /// API-key principal carries.</summary>
    public static string Of(ClaimsPrincipal user) =>
        user.Email() ?? throw new InvalidOperationException("The signed-in caller has no e-mail claim.");
}
