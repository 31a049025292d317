using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Auth;

/// <summary>Authenticates <c>X-Api-Key</c>: the key must exist, be unrevoked and unexpired, and its owner enabled.
/// It acts with the lower of its own role and its owner's current role.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<DmarcDbContext> contexts,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>Last-used times are written at most this often per key, so a busy key does not write on every request.</summary>
    private static readonly TimeSpan s_lastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return AuthenticateResult.NoResult();
        }

        var presented = values.ToString();
        if (presented.Length is 0 or > 200)
        {
            return AuthenticateResult.Fail("Malformed API key.");
        }

        var hash = TokenService.Hash(presented);
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(Context.RequestAborted);
        var found = await db.ApiKeys
            .Where(k => k.KeyHash == hash)
            .Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new { Key = k, User = u })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (found is null || found.Key.RevokedAt is not null || found.Key.ExpiresAt <= now || found.User.Disabled)
        {
            return AuthenticateResult.Fail("The API key is unknown, revoked, expired, or its owner is disabled.");
        }

        if (found.Key.LastUsedAt is not { } last || now - last > s_lastUsedResolution)
        {
            await db.ApiKeys.Where(k => k.Id == found.Key.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }

        var role = (UserRole)Math.Min((int)found.Key.Role, (int)found.User.Role);
        List<Claim> claims =
        [
            new(AuthClaims.Subject, found.User.Id.ToString(CultureInfo.InvariantCulture)),
            new(AuthClaims.Email, found.User.Email),
            new(AuthClaims.Role, role.ToString()),
            new(AuthClaims.ApiKeyId, found.Key.Id.ToString(CultureInfo.InvariantCulture)),
        ];
        if (found.User.MustChangePassword)
        {
            // After a password reset the account may be compromised: its keys, too, wait for the new password.
            claims.Add(new Claim(AuthClaims.MustChangePassword, "true"));
        }

        var identity = new ClaimsIdentity(
            claims,
            SchemeName,
            AuthClaims.Email,
            AuthClaims.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
