using System.ComponentModel.DataAnnotations;

namespace DmarcSecurity.Api.Auth;

/// <summary>Sign-in, tokens, lockout and rate limits (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The minimum length of <see cref="SigningKey"/>.</summary>
    public const int MinimumSigningKeyLength = 64;

    /// <summary>HS256 key for access tokens, at least 64 characters. Required outside Development; in Development a
    /// random key is generated once and kept in the data folder.</summary>
    public string? SigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "dmarcsecurity";

    [Required]
    public string Audience { get; set; } = "dmarcsecurity-api";

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:05:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>When no user exists yet, an Admin with this e-mail is created and its one-time password printed once.</summary>
    [EmailAddress]
    public string? BootstrapAdminEmail { get; set; }

    /// <summary>Failed sign-ins tolerated within <see cref="LockoutWindow"/>; the next one locks the account.</summary>
    [Range(1, 100)]
    public int LockoutThreshold { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutWindow { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Requests a minute for one signed-in user or API key.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerMinute { get; set; } = 600;

    /// <summary>Requests a minute from one client address to the anonymous endpoints (sign-in, refresh).</summary>
    [Range(1, 1_000_000)]
    public int AnonymousPermitsPerMinute { get; set; } = 30;

    /// <summary>The key the Web app shows when it tells the Api its user's address (see <c>WebHop</c>); at least 32
    /// characters. Unset: <c>X-Client-Address</c> is never believed.</summary>
    [MinLength(32, ErrorMessage = "Auth__WebHopKey must be at least 32 characters.")]
    public string? WebHopKey { get; set; }

    /// <summary>Active (not revoked, not expired) API keys one user may hold.</summary>
    [Range(1, 1000)]
    public int MaxApiKeysPerUser { get; set; } = 10;

    /// <summary>Origins allowed by CORS; none (the default) means no cross-origin access.</summary>
    public string[] CorsOrigins { get; set; } = [];
}
