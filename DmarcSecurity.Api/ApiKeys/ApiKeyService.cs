using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.ApiKeys;

public sealed record ApiKeyDto(
    long Id, long UserId, string Name, string Prefix, UserRole Role, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string? RevokedReason);

/// <summary>A new key: <see cref="Key"/> is shown this once and never again.</summary>
public sealed record CreatedApiKey(ApiKeyDto ApiKey, string Key);

/// <summary>Users manage their own keys; Admins manage anyone's. A key's role may not exceed its owner's, and a user
/// holds at most <see cref="AuthOptions.MaxApiKeysPerUser"/> active keys.</summary>
public sealed class ApiKeyService(IDbContextFactory<DmarcDbContext> contexts, IOptions<AuthOptions> options, TimeProvider time)
{
    /// <summary>Keys look like <c>dmsk_&lt;43 URL-safe characters&gt;</c>; the first 12 characters are the listed prefix.</summary>
    public const string KeyPrefix = "dmsk_";
    private const int ShownPrefixLength = 12;

    public async Task<Outcome<CreatedApiKey>> CreateAsync(
        ClaimsPrincipal actor, long? ownerId, string name, UserRole? role, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var actorId = actor.UserId()!.Value;
        var owner = ownerId ?? actorId;
        if (owner != actorId && !actor.IsAdmin())
        {
            return Outcome<CreatedApiKey>.Fail(ProblemKind.Forbidden, "Only an Admin creates keys for others.");
        }

        if (TextField.CheckName(name) is { } problem)
        {
            return Outcome<CreatedApiKey>.Fail(ProblemKind.Invalid, $"The key's name {problem}", "name");
        }

        var now = time.GetUtcNow();
        if (expiresAt <= now)
        {
            return Outcome<CreatedApiKey>.Fail(ProblemKind.Invalid, "The expiry must be in the future.", "expiresAt");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var ownerRole = await db.Users.Where(u => u.Id == owner).Select(u => (UserRole?)u.Role).SingleOrDefaultAsync(cancellationToken);
        if (ownerRole is null)
        {
            return Outcome<CreatedApiKey>.Fail(ProblemKind.NotFound, "No such user.");
        }

        // A caller acting through a lowered key cannot mint a stronger one for itself: the ceiling is the lower of the
        // owner's role and the role the caller is acting with.
        var ceiling = owner == actorId && actor.Role() is { } acting && acting < ownerRole ? acting : ownerRole.Value;
        if (role > ceiling)
        {
            return Outcome<CreatedApiKey>.Fail(ProblemKind.Invalid, $"A key may act at most with the role {ceiling}.", "role");
        }

        var cap = options.Value.MaxApiKeysPerUser;
        if (await db.ApiKeys.CountAsync(k => k.UserId == owner && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now), cancellationToken) >= cap)
        {
            return Outcome<CreatedApiKey>.Fail(ProblemKind.Conflict, $"A user holds at most {cap} active keys; revoke one first.");
        }

        var key = KeyPrefix + TokenService.NewSecret();
        var entity = new ApiKeyEntity
        {
            UserId = owner,
            Name = name.Trim(),
            Prefix = key[..ShownPrefixLength],
            KeyHash = TokenService.Hash(key),
            Role = role ?? ceiling,
            CreatedAt = now,
            CreatedByUserId = actorId,
            ExpiresAt = expiresAt,
        };
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return Outcome<CreatedApiKey>.Ok(new CreatedApiKey(ToDto(entity), key));
    }

    /// <summary>The actor's own keys; an Admin may name another user, or pass none with <paramref name="all"/> to see every key.</summary>
    public async Task<Outcome<IReadOnlyList<ApiKeyDto>>> ListAsync(ClaimsPrincipal actor, long? userId, bool all, CancellationToken cancellationToken)
    {
        var actorId = actor.UserId()!.Value;
        if ((all || (userId is not null && userId != actorId)) && !actor.IsAdmin())
        {
            return Outcome<IReadOnlyList<ApiKeyDto>>.Fail(ProblemKind.Forbidden, "Only an Admin lists others' keys.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = all && userId is null ? db.ApiKeys : db.ApiKeys.Where(k => k.UserId == (userId ?? actorId));
        var keys = await query.OrderBy(k => k.Id).ToListAsync(cancellationToken);
        return Outcome<IReadOnlyList<ApiKeyDto>>.Ok(keys.Select(ToDto).ToList());
    }

    public async Task<Outcome<ApiKeyDto>> RevokeAsync(ClaimsPrincipal actor, long id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.AsTracking().SingleOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (key is null || (key.UserId != actor.UserId() && !actor.IsAdmin()))
        {
            // Someone else's key is reported as missing, not as forbidden: ids do not leak.
            return Outcome<ApiKeyDto>.Fail(ProblemKind.NotFound, "No such key.");
        }

        if (key.RevokedAt is null)
        {
            key.RevokedAt = time.GetUtcNow();
            key.RevokedReason = RevokeReasons.Revoked;
            await db.SaveChangesAsync(cancellationToken);
        }

        return Outcome<ApiKeyDto>.Ok(ToDto(key));
    }

    private static ApiKeyDto ToDto(ApiKeyEntity k) =>
        new(k.Id, k.UserId, k.Name, k.Prefix, k.Role, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.RevokedReason);
}
