using System.Security.Cryptography;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Users;

public sealed record UserDto(
    long Id, string Email, string DisplayName, UserRole Role, bool Disabled, bool MustChangePassword,
    DateTimeOffset? LastSignInAt, DateTimeOffset CreatedAt, DateTimeOffset? LockedUntil);

/// <summary>A user and, when the platform generated it, the one-time password to hand over (shown only this once).</summary>
public sealed record UserWithPassword(UserDto User, string? OneTimePassword);

/// <summary>User administration. Changes to role, password or status renew the security stamp, so the user's
/// existing access tokens stop working, and revoke their refresh tokens.</summary>
public sealed class UserService(
    IDbContextFactory<DmarcDbContext> contexts,
    IPasswordHasher<UserEntity> hasher,
    AuthService auth,
    TimeProvider time)
{
    private static readonly SortOrder<UserEntity> s_sort = PagedQuery.Sort<UserEntity>("email",
        ("email", (q, d) => q.By(u => u.NormalizedEmail, d)),
        ("role", (q, d) => q.By(u => u.Role, d)),
        ("lastSignIn", (q, d) => q.By(u => u.LastSignInAt, d)),
        ("created", (q, d) => q.By(u => u.CreatedAt, d)));

    public async Task<PagedResult<UserDto>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Users.PageAsync(s_sort, u => u.Id, page, ToDto, cancellationToken);
    }

    public async Task<UserDto?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Users.SingleOrDefaultAsync(u => u.Id == id, cancellationToken) is { } user ? ToDto(user) : null;
    }

    /// <summary>Without a password, a one-time password is generated and must be changed at first sign-in.</summary>
    public async Task<Outcome<UserWithPassword>> CreateAsync(string email, string? displayName, UserRole role, string? password, CancellationToken cancellationToken)
    {
        email = email.Trim();
        if (!System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || email.Length > 254)
        {
            return Outcome<UserWithPassword>.Fail(ProblemKind.Invalid, "Give a valid e-mail address.", "email");
        }

        if (!string.IsNullOrWhiteSpace(displayName) && TextField.CheckName(displayName) is { } badName)
        {
            return Outcome<UserWithPassword>.Fail(ProblemKind.Invalid, $"The display name {badName}", "displayName");
        }

        if (password is not null && PasswordPolicy.Check(password, email) is { } problem)
        {
            return Outcome<UserWithPassword>.Fail(ProblemKind.Invalid, problem, "password");
        }

        var oneTime = password is null ? GeneratePassword() : null;
        var user = new UserEntity
        {
            Email = email,
            NormalizedEmail = AuthService.Normalize(email),
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? email.Split('@')[0] : displayName.Trim(),
            Role = role,
            PasswordHash = "",
            MustChangePassword = oneTime is not null,
            CreatedAt = time.GetUtcNow(),
            SecurityStamp = AuthService.NewStamp(),
        };
        user.PasswordHash = hasher.HashPassword(user, password ?? oneTime!);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == user.NormalizedEmail, cancellationToken))
        {
            return Outcome<UserWithPassword>.Fail(ProblemKind.Conflict, $"A user with the e-mail {email} exists already.");
        }

        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique e-mail index caught a concurrent creation of the same user.
            return Outcome<UserWithPassword>.Fail(ProblemKind.Conflict, $"A user with the e-mail {email} exists already.");
        }

        return Outcome<UserWithPassword>.Ok(new UserWithPassword(ToDto(user), oneTime));
    }

    public Task<Outcome<UserDto>> SetRoleAsync(long id, UserRole role, CancellationToken cancellationToken) =>
        ChangeAsync(id, RevokeReasons.RoleChanged, user =>
        {
            var demotesAdmin = user.Role == UserRole.Admin && role != UserRole.Admin;
            user.Role = role;
            return demotesAdmin;
        }, cancellationToken);

    public Task<Outcome<UserDto>> SetDisabledAsync(long id, bool disabled, CancellationToken cancellationToken) =>
        ChangeAsync(id, RevokeReasons.UserDisabled, user =>
        {
            var removesAdmin = disabled && !user.Disabled && user.Role == UserRole.Admin;
            user.Disabled = disabled;
            return removesAdmin;
        }, cancellationToken);

    /// <summary>Sets the given password, or generates a one-time one; either way the user must change it at next sign-in.</summary>
    public async Task<Outcome<UserWithPassword>> ResetPasswordAsync(long id, string? password, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return Outcome<UserWithPassword>.Fail(ProblemKind.NotFound, "No such user.");
        }

        if (password is not null && PasswordPolicy.Check(password, user.Email) is { } problem)
        {
            return Outcome<UserWithPassword>.Fail(ProblemKind.Invalid, problem, "password");
        }

        var oneTime = password is null ? GeneratePassword() : null;
        await auth.SetPasswordAsync(db, user, password ?? oneTime!, mustChange: true, RevokeReasons.PasswordChanged, cancellationToken);
        return Outcome<UserWithPassword>.Ok(new UserWithPassword(ToDto(user), oneTime));
    }

    /// <summary>Applies a change; refuses one that would leave no enabled Admin (the change reports whether it removes an Admin).</summary>
    private async Task<Outcome<UserDto>> ChangeAsync(long id, string reason, Func<UserEntity, bool> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await db.Users.AsTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return Outcome<UserDto>.Fail(ProblemKind.NotFound, "No such user.");
        }

        if (change(user) && await db.Users.CountAsync(u => u.Role == UserRole.Admin && !u.Disabled && u.Id != id, cancellationToken) == 0)
        {
            return Outcome<UserDto>.Fail(ProblemKind.Conflict, "This is the last enabled Admin; make another Admin first.");
        }

        user.SecurityStamp = AuthService.NewStamp();
        await db.SaveChangesAsync(cancellationToken);
        await auth.RevokeUserTokensAsync(db, id, reason, cancellationToken);
        if (user.Disabled)
        {
            await auth.RevokeApiKeysAsync(db, id, reason, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Outcome<UserDto>.Ok(ToDto(user));
    }

    /// <summary>20 characters from an alphabet without look-alikes: about 115 bits.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }

    internal UserDto ToDto(UserEntity u) => new(
        u.Id, u.Email, u.DisplayName, u.Role, u.Disabled, u.MustChangePassword, u.LastSignInAt, u.CreatedAt,
        u.LockoutEnd > time.GetUtcNow() ? u.LockoutEnd : null);
}
