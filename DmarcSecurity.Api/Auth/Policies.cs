using System.Security.Claims;
using DmarcSecurity.Data.Identity;

namespace DmarcSecurity.Api.Auth;

/// <summary>Every endpoint names one of these (or is on the explicit anonymous list). Roles nest: an Admin may do
/// whatever an Analyst may, an Analyst whatever a Viewer may.</summary>
public static class Policies
{
    /// <summary>Any signed-in user, even one who must still change a one-time password.</summary>
    public const string SignedIn = "SignedIn";

    /// <summary>Reads everything.</summary>
    public const string Viewer = nameof(UserRole.Viewer);

    /// <summary>Also ingests, acknowledges and resolves alerts, reviews decisions.</summary>
    public const string Analyst = nameof(UserRole.Analyst);

    /// <summary>Also manages users, others' API keys, rules, settings and model training.</summary>
    public const string Admin = nameof(UserRole.Admin);

    /// <summary>A firewall bouncer with its own key (never a user): pulls the enforced decisions.</summary>
    public const string Bouncer = "Bouncer";
}

/// <summary>Claim names carried by access tokens and API-key principals.</summary>
public static class AuthClaims
{
    public const string Subject = "sub";
    public const string Email = "email";
    public const string Role = "role";
    public const string TokenId = "jti";
    public const string SecurityStamp = "stamp";
    public const string MustChangePassword = "pwd_change";
    public const string ApiKeyId = "api_key_id";
}

public static class ClaimsPrincipalExtensions
{
    public static long? UserId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(AuthClaims.Subject), out var id) ? id : null;

    public static string? Email(this ClaimsPrincipal user) => user.FindFirstValue(AuthClaims.Email);

    public static UserRole? Role(this ClaimsPrincipal user) =>
        Enum.TryParse<UserRole>(user.FindFirstValue(AuthClaims.Role), out var role) ? role : null;

    public static long? ApiKeyId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(AuthClaims.ApiKeyId), out var id) ? id : null;

    public static bool IsAdmin(this ClaimsPrincipal user) => user.Role() == UserRole.Admin;
}
