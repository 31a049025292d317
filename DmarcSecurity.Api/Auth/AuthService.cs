using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Auth;

public enum SignInStatus
{
    Success,
    InvalidCredentials,
    LockedOut,
    Disabled,
}

public sealed record SignInResult(SignInStatus Status, TokenPair? Tokens = null, DateTimeOffset? LockedUntil = null);

/// <summary>Sign-in with lockout, refresh-token rotation with reuse detection, sign-out and password changes.
/// Every sign-in attempt is audited; no password or token ever reaches the audit trail or the logs.</summary>
public sealed partial class AuthService(
    IDbContextFactory<DmarcDbContext> contexts,
    TokenService tokens,
    AuditWriter audit,
    IPasswordHasher<UserEntity> hasher,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<AuthService> logger)
{
    public const string LoginAction = "auth.login";
    public const string LockoutAction = "auth.lockout";
    public const string RefreshAction = "auth.refresh";
    public const string RefreshReuseAction = "auth.refresh-reuse";

    // Verifying against this when the e-mail is unknown keeps the answer's timing from telling which accounts exist.
    private static readonly string s_dummyHash = new PasswordHasher<UserEntity>().HashPassword(null!, "not-a-real-password-at-all");

    public static string Normalize(string email) => email.Trim().ToUpperInvariant();

    public async Task<SignInResult> SignInAsync(string email, string password, string? clientAddress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var normalized = Normalize(email);
        var user = await db.Users.AsTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user is null)
        {
            hasher.VerifyHashedPassword(null!, s_dummyHash, password);
            await AuditAsync(null, email, AuditWriter.Failure, "unknown account", clientAddress, cancellationToken);
            return new SignInResult(SignInStatus.InvalidCredentials);
        }

        if (user.LockoutEnd > now)
        {
            await AuditAsync(user, user.Email, AuditWriter.Locked, $"locked until {user.LockoutEnd:O}", clientAddress, cancellationToken);
            return new SignInResult(SignInStatus.LockedOut, LockedUntil: user.LockoutEnd);
        }

        var verdict = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            return await RegisterFailureAsync(db, user, now, clientAddress, cancellationToken);
        }

        if (user.Disabled)
        {
            await AuditAsync(user, user.Email, AuditWriter.Denied, "account disabled", clientAddress, cancellationToken);
            return new SignInResult(SignInStatus.Disabled);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
        }

        user.FailedLoginCount = 0;
        user.FailedLoginWindowStart = null;
        user.LockoutEnd = null;
        user.LastSignInAt = now;
        var (pair, _) = Issue(db, user, Guid.NewGuid());
        await db.SaveChangesAsync(cancellationToken);
        await AuditAsync(user, user.Email, AuditWriter.Success, null, clientAddress, cancellationToken);
        return new SignInResult(SignInStatus.Success, pair);
    }

    /// <summary>Counts the failure atomically (concurrent guesses cannot slip past the count); the failure after the
    /// threshold within the window locks the account.</summary>
    private async Task<SignInResult> RegisterFailureAsync(DmarcDbContext db, UserEntity user, DateTimeOffset now, string? clientAddress, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var windowStart = now - settings.LockoutWindow;
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.FailedLoginCount, u => u.FailedLoginWindowStart == null || u.FailedLoginWindowStart < windowStart ? 1 : u.FailedLoginCount + 1)
            .SetProperty(u => u.FailedLoginWindowStart, u => u.FailedLoginWindowStart == null || u.FailedLoginWindowStart < windowStart ? now : u.FailedLoginWindowStart),
            cancellationToken);
        var failures = await db.Users.Where(u => u.Id == user.Id).Select(u => u.FailedLoginCount).SingleAsync(cancellationToken);
        if (failures <= settings.LockoutThreshold)
        {
            await AuditAsync(user, user.Email, AuditWriter.Failure, $"wrong password ({failures} of {settings.LockoutThreshold} allowed)", clientAddress, cancellationToken);
            return new SignInResult(SignInStatus.InvalidCredentials);
        }

        var until = now + settings.LockoutDuration;
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.LockoutEnd, until)
            .SetProperty(u => u.FailedLoginCount, 0)
            .SetProperty(u => u.FailedLoginWindowStart, (DateTimeOffset?)null), cancellationToken);
        LogLockedOut(logger, user.Id, until);
        await AuditAsync(user, user.Email, AuditWriter.Failure, "wrong password", clientAddress, cancellationToken);
        await audit.WriteAsync(new AuditEntryEntity
        {
            UserId = user.Id,
            UserEmail = user.Email,
            Action = LockoutAction,
            Target = $"user:{user.Id}",
            ClientAddress = clientAddress,
            Outcome = AuditWriter.Locked,
            Detail = $"{failures} failed sign-ins within {settings.LockoutWindow.TotalMinutes:N0} minutes; locked until {until:O}",
        }, cancellationToken);
        return new SignInResult(SignInStatus.LockedOut, LockedUntil: until);
    }

    /// <summary>Rotates a refresh token. A token that was already rotated is a stolen or replayed one: the whole
    /// family is revoked, so both the thief and the owner must sign in again.</summary>
    public async Task<TokenPair?> RefreshAsync(string refreshToken, string? clientAddress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var hash = TokenService.Hash(refreshToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var token = await db.RefreshTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token is null)
        {
            await AuditRefreshAsync(null, AuditWriter.Denied, "unknown refresh token", clientAddress, cancellationToken);
            return null;
        }

        var user = await db.Users.AsTracking().SingleOrDefaultAsync(u => u.Id == token.UserId, cancellationToken);
        if (token.RevokedAt is not null)
        {
            if (token.RevokedReason == RevokeReasons.Rotated)
            {
                await ReuseDetectedAsync(db, token, user, clientAddress, cancellationToken);
            }
            else
            {
                await AuditRefreshAsync(user, AuditWriter.Denied, $"refresh token revoked ({token.RevokedReason})", clientAddress, cancellationToken);
            }

            return null;
        }

        if (token.ExpiresAt <= now || user is null || user.Disabled)
        {
            await AuditRefreshAsync(user, AuditWriter.Denied, user is { Disabled: false } ? "refresh token expired" : "account disabled", clientAddress, cancellationToken);
            return null;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Only the first of two concurrent uses wins the conditional update; the loser is treated as reuse.
        var rotated = await db.RefreshTokens.Where(t => t.Id == token.Id && t.RevokedAt == null).ExecuteUpdateAsync(set => set
            .SetProperty(t => t.RevokedAt, now)
            .SetProperty(t => t.RevokedReason, RevokeReasons.Rotated), cancellationToken);
        if (rotated == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            await ReuseDetectedAsync(db, token, user, clientAddress, cancellationToken);
            return null;
        }

        var (pair, successor) = Issue(db, user, token.FamilyId);
        await db.SaveChangesAsync(cancellationToken);
        await db.RefreshTokens.Where(t => t.Id == token.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.ReplacedById, successor.Id), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await AuditRefreshAsync(user, AuditWriter.Success, null, clientAddress, cancellationToken);
        return pair;
    }

    /// <summary>A rotated token came back: whoever holds the family now (owner or thief) must sign in again.</summary>
    private async Task ReuseDetectedAsync(DmarcDbContext db, RefreshTokenEntity token, UserEntity? user, string? clientAddress, CancellationToken cancellationToken)
    {
        await RevokeFamilyAsync(db, token.FamilyId, RevokeReasons.Reuse, time.GetUtcNow(), cancellationToken);
        await audit.WriteAsync(new AuditEntryEntity
        {
            UserId = token.UserId,
            UserEmail = user?.Email,
            Action = RefreshReuseAction,
            Target = $"user:{token.UserId}",
            ClientAddress = clientAddress,
            Outcome = AuditWriter.Denied,
            Detail = "a rotated refresh token was presented again; its token family was revoked",
        }, cancellationToken);
    }

    /// <summary>Revokes the family of a refresh token that belongs to the user; unknown tokens are ignored.</summary>
    public async Task SignOutAsync(long userId, string refreshToken, CancellationToken cancellationToken)
    {
        var hash = TokenService.Hash(refreshToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var family = await db.RefreshTokens.Where(t => t.TokenHash == hash && t.UserId == userId).Select(t => (Guid?)t.FamilyId).SingleOrDefaultAsync(cancellationToken);
        if (family is { } id)
        {
            await RevokeFamilyAsync(db, id, RevokeReasons.Logout, time.GetUtcNow(), cancellationToken);
        }
    }

    /// <summary>Null on success, otherwise why not. Revokes the user's refresh tokens and API keys (unless
    /// <paramref name="keepApiKeys"/>) and invalidates their access tokens.</summary>
    public async Task<string?> ChangePasswordAsync(
        long userId, string currentPassword, string newPassword, bool keepApiKeys, string? clientAddress, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return "The current password is wrong.";
        }

        if (user.LockoutEnd > time.GetUtcNow())
        {
            return "Too many wrong passwords: the account is locked for a while.";
        }

        // A wrong current password counts like a failed sign-in, so a stolen token cannot be used to guess it.
        if (hasher.VerifyHashedPassword(user, user.PasswordHash, currentPassword) == PasswordVerificationResult.Failed)
        {
            await RegisterFailureAsync(db, user, time.GetUtcNow(), clientAddress, cancellationToken);
            return "The current password is wrong.";
        }

        if (PasswordPolicy.Check(newPassword, user.Email) is { } problem)
        {
            return problem;
        }

        if (hasher.VerifyHashedPassword(user, user.PasswordHash, newPassword) != PasswordVerificationResult.Failed)
        {
            return "The new password must differ from the current one.";
        }

        await SetPasswordAsync(db, user, newPassword, mustChange: false, RevokeReasons.PasswordChanged, cancellationToken, keepApiKeys);
        return null;
    }

    /// <summary>Sets a password, renews the security stamp (old access tokens stop working) and revokes refresh tokens
    /// and, unless <paramref name="keepApiKeys"/>, the user's API keys: a key made by whoever knew the old password
    /// must not outlive it.</summary>
    internal async Task SetPasswordAsync(
        DmarcDbContext db, UserEntity user, string password, bool mustChange, string reason, CancellationToken cancellationToken, bool keepApiKeys = false)
    {
        user.PasswordHash = hasher.HashPassword(user, password);
        user.MustChangePassword = mustChange;
        user.SecurityStamp = NewStamp();
        user.FailedLoginCount = 0;
        user.FailedLoginWindowStart = null;
        user.LockoutEnd = null;
        await db.SaveChangesAsync(cancellationToken);
        await RevokeUserTokensAsync(db, user.Id, reason, cancellationToken);
        if (!keepApiKeys)
        {
            await RevokeApiKeysAsync(db, user.Id, reason, cancellationToken);
        }
    }

    /// <summary>Revokes for good: nothing brings a revoked key back, re-enabling its owner included.</summary>
    internal async Task RevokeApiKeysAsync(DmarcDbContext db, long userId, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.ApiKeys.Where(k => k.UserId == userId && k.RevokedAt == null).ExecuteUpdateAsync(set => set
            .SetProperty(k => k.RevokedAt, now)
            .SetProperty(k => k.RevokedReason, reason), cancellationToken);
    }

    internal async Task RevokeUserTokensAsync(DmarcDbContext db, long userId, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.RefreshTokens.Where(t => t.UserId == userId && t.RevokedAt == null).ExecuteUpdateAsync(set => set
            .SetProperty(t => t.RevokedAt, now)
            .SetProperty(t => t.RevokedReason, reason), cancellationToken);
    }

    public static string NewStamp() => Guid.NewGuid().ToString("N");

    /// <summary>A new access token and a refresh token in the family, added to the context (saved by the caller).</summary>
    private (TokenPair Pair, RefreshTokenEntity Entity) Issue(DmarcDbContext db, UserEntity user, Guid family)
    {
        var (access, accessExpires) = tokens.CreateAccessToken(user);
        var refresh = TokenService.NewSecret();
        var now = time.GetUtcNow();
        var entity = new RefreshTokenEntity
        {
            UserId = user.Id,
            FamilyId = family,
            TokenHash = TokenService.Hash(refresh),
            CreatedAt = now,
            ExpiresAt = now + options.Value.RefreshTokenLifetime,
        };
        db.RefreshTokens.Add(entity);
        return (new TokenPair(access, accessExpires, refresh, entity.ExpiresAt), entity);
    }

    private static Task RevokeFamilyAsync(DmarcDbContext db, Guid family, string reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.RefreshTokens.Where(t => t.FamilyId == family && t.RevokedAt == null).ExecuteUpdateAsync(set => set
            .SetProperty(t => t.RevokedAt, now)
            .SetProperty(t => t.RevokedReason, reason), cancellationToken);

    private Task AuditAsync(UserEntity? user, string email, string outcome, string? detail, string? clientAddress, CancellationToken cancellationToken) =>
        AuditAsync(LoginAction, user, email, outcome, detail, clientAddress, cancellationToken);

    private Task AuditRefreshAsync(UserEntity? user, string outcome, string? detail, string? clientAddress, CancellationToken cancellationToken) =>
        AuditAsync(RefreshAction, user, user?.Email, outcome, detail, clientAddress, cancellationToken);

    private Task AuditAsync(string action, UserEntity? user, string? email, string outcome, string? detail, string? clientAddress, CancellationToken cancellationToken) =>
        audit.WriteAsync(new AuditEntryEntity
        {
            UserId = user?.Id,
            UserEmail = email,
            Action = action,
            Target = user is null ? null : $"user:{user.Id}",
            ClientAddress = clientAddress,
            Outcome = outcome,
            Detail = detail,
        }, cancellationToken);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "User {UserId} locked out until {Until}")]
    private static partial void LogLockedOut(ILogger logger, long userId, DateTimeOffset until);
}

/// <summary>Why a refresh token or an API key was revoked.</summary>
public static class RevokeReasons
{
    public const string Revoked = "revoked";
    public const string Rotated = "rotated";
    public const string Reuse = "reuse";
    public const string Logout = "logout";
    public const string PasswordChanged = "password-changed";
    public const string UserDisabled = "user-disabled";
    public const string RoleChanged = "role-changed";
}
