using System.Security.Cryptography;
using System.Text;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Data.Tests;

public abstract class IdentityStorageTests(DataFixture fixture)
{
    // Millisecond fractions everywhere: SQLite keeps Unix milliseconds, so that is the precision both must round-trip.
    private static readonly DateTimeOffset T0 = new(2025, 11, 20, 8, 30, 15, 123, TimeSpan.Zero);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task User_reads_back_every_field(bool optionalFieldsSet)
    {
        var user = NewUser(optionalFieldsSet ? UserRole.Admin : UserRole.Viewer);
        if (optionalFieldsSet)
        {
            user.Disabled = true;
            user.MustChangePassword = true;
            user.FailedLoginCount = 4;
            user.FailedLoginWindowStart = T0.AddMinutes(-14).AddMilliseconds(7);
            user.LockoutEnd = T0.AddMinutes(15).AddMilliseconds(999);
            user.LastSignInAt = T0.AddDays(-2).AddMilliseconds(1);
        }

        await AssertReadsBackAsync(user, u => u.Id, u => new
        {
            u.Id, u.Email, u.NormalizedEmail, u.DisplayName, u.Role, u.PasswordHash, u.Disabled, u.MustChangePassword,
            u.FailedLoginCount, u.FailedLoginWindowStart, u.LockoutEnd, u.LastSignInAt, u.CreatedAt, u.SecurityStamp,
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Refresh_token_reads_back_every_field(bool optionalFieldsSet)
    {
        var user = await SaveAsync(NewUser());
        var token = NewToken(user.Id, Guid.NewGuid());
        if (optionalFieldsSet)
        {
            var successor = await SaveAsync(NewToken(user.Id, token.FamilyId));
            token.RevokedAt = T0.AddMinutes(5).AddMilliseconds(42);
            token.RevokedReason = "rotated";
            token.ReplacedById = successor.Id;
        }

        await AssertReadsBackAsync(token, t => t.Id, t => new
        {
            t.Id, t.UserId, t.FamilyId, t.TokenHash, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.RevokedReason, t.ReplacedById,
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Api_key_reads_back_every_field(bool optionalFieldsSet)
    {
        var admin = await SaveAsync(NewUser(UserRole.Admin));
        var owner = await SaveAsync(NewUser(UserRole.Analyst));
        var key = NewKey(owner.Id, admin.Id, optionalFieldsSet ? UserRole.Analyst : UserRole.Viewer);
        if (optionalFieldsSet)
        {
            key.ExpiresAt = T0.AddDays(90).AddMilliseconds(500);
            key.RevokedAt = T0.AddDays(30).AddMilliseconds(3);
            key.LastUsedAt = T0.AddDays(29).AddMilliseconds(998);
        }

        await AssertReadsBackAsync(key, k => k.Id, k => new
        {
            k.Id, k.UserId, k.Name, k.Prefix, k.KeyHash, k.Role, k.CreatedAt, k.CreatedByUserId, k.ExpiresAt, k.RevokedAt,
            k.LastUsedAt,
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Audit_entry_reads_back_every_field(bool optionalFieldsSet)
    {
        var entry = NewAudit("users.create", T0.AddMilliseconds(321), userId: null);
        if (optionalFieldsSet)
        {
            entry.UserId = 12;
            entry.UserEmail = "Admin@Example.org";
            entry.ApiKeyId = 7;
            entry.Target = "user:31";
            entry.ClientAddress = "2001:db8::7";
            entry.StatusCode = 201;
            entry.Detail = "role Analyst";
        }

        await AssertReadsBackAsync(entry, a => a.Id, a => new
        {
            a.Id, a.At, a.UserId, a.UserEmail, a.ApiKeyId, a.Action, a.Target, a.ClientAddress, a.Outcome, a.StatusCode, a.Detail,
        });
    }

    [Fact]
    public async Task Roles_are_stored_as_their_names()
    {
        var user = await SaveAsync(NewUser(UserRole.Analyst));
        var key = await SaveAsync(NewKey(user.Id, user.Id, UserRole.Viewer));

        await using var context = fixture.CreateContext();
        Assert.Equal("Analyst", await context.Database.SqlQuery<string>($"SELECT role AS \"Value\" FROM users WHERE id = {user.Id}").SingleAsync());
        Assert.Equal("Viewer", await context.Database.SqlQuery<string>($"SELECT role AS \"Value\" FROM api_keys WHERE id = {key.Id}").SingleAsync());
    }

    [Fact]
    public async Task Second_user_with_the_same_normalized_email_is_a_unique_violation()
    {
        var first = await SaveAsync(NewUser());
        var second = NewUser();
        second.Email = first.Email.ToLowerInvariant();
        second.NormalizedEmail = first.NormalizedEmail;

        await AssertUniqueViolationAsync(second);
    }

    [Fact]
    public async Task Second_refresh_token_with_the_same_hash_is_a_unique_violation()
    {
        var user = await SaveAsync(NewUser());
        var first = await SaveAsync(NewToken(user.Id, Guid.NewGuid()));
        var second = NewToken(user.Id, Guid.NewGuid());
        second.TokenHash = first.TokenHash;

        await AssertUniqueViolationAsync(second);
    }

    [Fact]
    public async Task Second_api_key_with_the_same_hash_is_a_unique_violation()
    {
        var user = await SaveAsync(NewUser());
        var first = await SaveAsync(NewKey(user.Id, user.Id));
        var second = NewKey(user.Id, user.Id);
        second.KeyHash = first.KeyHash;

        await AssertUniqueViolationAsync(second);
    }

    [Fact]
    public async Task Second_api_key_with_the_same_prefix_is_a_unique_violation()
    {
        var user = await SaveAsync(NewUser());
        var first = await SaveAsync(NewKey(user.Id, user.Id));
        var second = NewKey(user.Id, user.Id);
        second.Prefix = first.Prefix;

        await AssertUniqueViolationAsync(second);
    }

    [Fact]
    public async Task Deleting_a_user_deletes_their_tokens_and_keys_but_keeps_their_audit_entries()
    {
        var user = await SaveAsync(NewUser());
        var other = await SaveAsync(NewUser());
        var family = Guid.NewGuid();
        await SaveAsync(NewToken(user.Id, family));
        await SaveAsync(NewToken(user.Id, family));
        var key = await SaveAsync(NewKey(user.Id, other.Id));
        var othersToken = await SaveAsync(NewToken(other.Id, Guid.NewGuid()));
        var othersKey = await SaveAsync(NewKey(other.Id, user.Id));
        var signIn = await SaveAsync(NewAudit("auth.login", T0, user.Id));
        var keyUse = await SaveAsync(NewAudit("GET /api/reports", T0.AddMinutes(1), user.Id, key.Id));

        await using var context = fixture.CreateContext();
        // Deleted in SQL, not through the change tracker, so it is the schema's cascade that removes the rows.
        Assert.Equal(1, await context.Users.Where(u => u.Id == user.Id).ExecuteDeleteAsync());

        Assert.Empty(await context.RefreshTokens.Where(t => t.UserId == user.Id).ToListAsync());
        Assert.Empty(await context.ApiKeys.Where(k => k.UserId == user.Id).ToListAsync());
        Assert.Equal([othersToken.Id], await context.RefreshTokens.Where(t => t.UserId == other.Id).Select(t => t.Id).ToListAsync());
        // The key another user owns survives its creator.
        Assert.Equal([othersKey.Id], await context.ApiKeys.Where(k => k.UserId == other.Id).Select(k => k.Id).ToListAsync());
        Assert.Equal(
            [(signIn.Id, (long?)user.Id, (long?)null), (keyUse.Id, user.Id, key.Id)],
            (await context.AuditEntries.Where(a => a.UserId == user.Id).OrderBy(a => a.Id).ToListAsync()).Select(a => (a.Id, a.UserId, a.ApiKeyId)));
    }

    [Fact]
    public async Task Revoking_a_family_by_its_id_revokes_only_that_familys_tokens()
    {
        var user = await SaveAsync(NewUser());
        var family = Guid.NewGuid();
        var chain = new[] { await SaveAsync(NewToken(user.Id, family)), await SaveAsync(NewToken(user.Id, family)), await SaveAsync(NewToken(user.Id, family)) };
        var otherSession = await SaveAsync(NewToken(user.Id, Guid.NewGuid()));
        var revokedAt = T0.AddHours(1).AddMilliseconds(250);

        await using var context = fixture.CreateContext();
        var revoked = await context.RefreshTokens
            .Where(t => t.FamilyId == family && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, revokedAt).SetProperty(t => t.RevokedReason, "reuse"));

        Assert.Equal(3, revoked);
        var tokens = await context.RefreshTokens.Where(t => t.UserId == user.Id).OrderBy(t => t.Id).ToListAsync();
        Assert.Equal(chain.Select(t => t.Id).Append(otherSession.Id), tokens.Select(t => t.Id));
        Assert.All(tokens.Take(3), t => Assert.Equal((revokedAt, "reuse"), (t.RevokedAt!.Value, t.RevokedReason!)));
        Assert.Null(tokens[3].RevokedAt);
        Assert.Null(tokens[3].RevokedReason);
    }

    [Fact]
    public async Task Audit_entries_of_a_user_in_a_time_range_are_found_in_time_order()
    {
        var user = await SaveAsync(NewUser());
        var other = await SaveAsync(NewUser());
        var from = T0.AddHours(1);
        var to = T0.AddHours(3);
        await SaveAsync(NewAudit("auth.login", from.AddMilliseconds(-1), user.Id));
        var late = await SaveAsync(NewAudit("users.update", to.AddMilliseconds(-1), user.Id));
        var first = await SaveAsync(NewAudit("auth.login", from, user.Id));
        await SaveAsync(NewAudit("auth.login", from.AddMinutes(5), other.Id));
        var middle = await SaveAsync(NewAudit("POST /api/ingest/files", from.AddMinutes(30), user.Id));
        await SaveAsync(NewAudit("auth.logout", to, user.Id));

        await using var context = fixture.CreateContext();
        var found = await context.AuditEntries
            .Where(a => a.UserId == user.Id && a.At >= from && a.At < to)
            .OrderBy(a => a.At)
            .Select(a => a.Id)
            .ToListAsync();

        Assert.Equal([first.Id, middle.Id, late.Id], found);
    }

    [Fact]
    public async Task Audit_entries_with_an_action_are_found_newest_first()
    {
        var user = await SaveAsync(NewUser());
        var older = await SaveAsync(NewAudit("auth.lockout", T0.AddDays(-3), user.Id));
        await SaveAsync(NewAudit("auth.login", T0.AddDays(-2), user.Id));
        var anonymous = await SaveAsync(NewAudit("auth.lockout", T0.AddDays(-1), userId: null));
        var newest = await SaveAsync(NewAudit("auth.lockout", T0, user.Id));

        await using var context = fixture.CreateContext();
        var found = await context.AuditEntries
            .Where(a => a.Action == "auth.lockout")
            .OrderByDescending(a => a.At)
            .Select(a => a.Id)
            .ToListAsync();

        Assert.Equal([newest.Id, anonymous.Id, older.Id], found);
    }

    private async Task<T> SaveAsync<T>(T entity)
        where T : class
    {
        await using var context = fixture.CreateContext();
        context.Add(entity);
        await context.SaveChangesAsync();
        return entity;
    }

    private async Task AssertReadsBackAsync<T>(T entity, Func<T, long> id, Func<T, object> fields)
        where T : class
    {
        await SaveAsync(entity);

        var key = id(entity);
        await using var context = fixture.CreateContext();
        var stored = await context.Set<T>().SingleAsync(e => EF.Property<long>(e, "Id") == key);
        Assert.Equal(fields(entity), fields(stored));
    }

    private async Task AssertUniqueViolationAsync<T>(T entity)
        where T : class
    {
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => SaveAsync(entity));

        Assert.True(fixture.Services.GetRequiredService<ISqlDialect>().IsUniqueViolation(error), error.ToString());
    }

    private static string UniqueName() => Guid.NewGuid().ToString("N")[..12];

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static UserEntity NewUser(UserRole role = UserRole.Analyst)
    {
        var email = $"Analyst.{UniqueName()}@Example.org";
        return new UserEntity
        {
            Email = email,
            NormalizedEmail = email.ToUpperInvariant(),
            DisplayName = "Ana Lyst",
            Role = role,
            PasswordHash = "AQAAAAIAAYagAAAAEOdk3Q7pYVZ1lWmI9i6QhQ0r4t7n2l0uXJmFv8Yb3qz1Q2mT5cR6sD7eF8gH9iJ0kA==",
            CreatedAt = T0.AddDays(-30).AddMilliseconds(17),
            SecurityStamp = Guid.NewGuid().ToString("N").ToUpperInvariant(),
        };
    }

    private static RefreshTokenEntity NewToken(long userId, Guid familyId) => new()
    {
        UserId = userId,
        FamilyId = familyId,
        TokenHash = Sha256Hex("rt_" + Guid.NewGuid()),
        CreatedAt = T0.AddMilliseconds(1),
        ExpiresAt = T0.AddDays(14).AddMilliseconds(1),
    };

    private static ApiKeyEntity NewKey(long userId, long createdByUserId, UserRole role = UserRole.Viewer)
    {
        var key = "dsk_" + RandomNumberGenerator.GetHexString(40, lowercase: true);
        return new ApiKeyEntity
        {
            UserId = userId,
            Name = "nightly export",
            Prefix = key[..12],
            KeyHash = Sha256Hex(key),
            Role = role,
            CreatedAt = T0.AddMilliseconds(77),
            CreatedByUserId = createdByUserId,
        };
    }

    private static AuditEntryEntity NewAudit(string action, DateTimeOffset at, long? userId, long? apiKeyId = null) => new()
    {
        At = at,
        UserId = userId,
        ApiKeyId = apiKeyId,
        Action = action,
        Outcome = "success",
    };
}

public sealed class IdentityStorageTestsOnPostgreSql(PostgreSqlFixture fixture) : IdentityStorageTests(fixture), IClassFixture<PostgreSqlFixture>;

public sealed class IdentityStorageTestsOnSqlite(SqliteFixture fixture) : IdentityStorageTests(fixture), IClassFixture<SqliteFixture>;
