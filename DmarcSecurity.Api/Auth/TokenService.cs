using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using DmarcSecurity.Data.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DmarcSecurity.Api.Auth;

/// <summary>An access token and the refresh token that renews it.</summary>
public sealed record TokenPair(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt);

/// <summary>Issues HS256 access tokens and random refresh tokens; refresh tokens are only ever stored as their SHA-256.</summary>
public sealed class TokenService(SigningKey signingKey, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public (string Token, DateTimeOffset ExpiresAt) CreateAccessToken(UserEntity user)
    {
        var now = time.GetUtcNow();
        var expires = now + options.Value.AccessTokenLifetime;
        var claims = new Dictionary<string, object>
        {
            [AuthClaims.Subject] = user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [AuthClaims.Email] = user.Email,
            [AuthClaims.Role] = user.Role.ToString(),
            [AuthClaims.TokenId] = Guid.NewGuid().ToString("N"),
            [AuthClaims.SecurityStamp] = user.SecurityStamp,
        };
        if (user.MustChangePassword)
        {
            claims[AuthClaims.MustChangePassword] = "true";
        }

        var token = s_handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(signingKey.Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = options.Value.Issuer,
        ValidAudience = options.Value.Audience,
        IssuerSigningKey = signingKey.Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = ClockSkew,
        NameClaimType = AuthClaims.Email,
        RoleClaimType = AuthClaims.Role,
        // Our clock, not the machine's, so lifetimes follow the same time as everything else.
        LifetimeValidator = (notBefore, expires, _, _) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            return expires is { } e && e + ClockSkew > now && (notBefore is not { } n || n - ClockSkew <= now);
        },
    };

    /// <summary>256 random bits, URL-safe.</summary>
    public static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
