using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Audit;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Reports;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Tests;

/// <summary>Five wrong passwords within the window are tolerated; the sixth locks the account for the lockout duration.
/// A locked account answers as an unknown one does, so the answers never tell which accounts exist.</summary>
public abstract class LockoutTests(ApiFixture fixture)
{
    private AuthOptions Options => fixture.Factory.Services.GetRequiredService<IOptions<AuthOptions>>().Value;

    [Fact]
    public async Task Sixth_wrong_password_locks_the_account_and_answers_like_any_failed_sign_in()
    {
        var (user, _) = await NewUserAsync("locks");
        Assert.Equal(5, Options.LockoutThreshold);

        var tolerated = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await LoginAsync(user.Email, WrongPassword());
            tolerated.Add(wrong.StatusCode);
        }

        using var sixth = await LoginAsync(user.Email, WrongPassword());

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), tolerated);
        Assert.Equal(("Sign-in failed", AuthApi.SignInFailedDetail), await ProblemAsync(sixth));
        Assert.Equal(HttpStatusCode.Unauthorized, sixth.StatusCode);
        Assert.Null(sixth.Headers.RetryAfter);
        await AssertLockedForTheLockoutDurationAsync(user.Id);
    }

    [Fact]
    public async Task Wrong_current_passwords_on_change_password_count_toward_lockout()
    {
        var (user, password) = await NewUserAsync("change-guess");
        using var signedIn = await fixture.SignInAsync(user.Email, password);

        var answers = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 6; attempt++)
        {
            using var guess = await signedIn.PostAsJsonAsync("/api/auth/change-password", new ChangePasswordRequest(WrongPassword(), "a-new-passphrase-42"), Upload.Json);
            answers.Add(guess.StatusCode);
        }

        using var login = await LoginAsync(user.Email, password);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a));
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        await AssertLockedForTheLockoutDurationAsync(user.Id);
    }

    [Fact]
    public async Task Right_password_during_lockout_answers_exactly_as_an_unknown_account()
    {
        var (user, password) = await NewUserAsync("locked-right");
        await LockAsync(user.Email);

        using var right = await LoginAsync(user.Email, password);
        using var unknown = await LoginAsync($"nobody-{Guid.NewGuid():N}@lockout.example", password);

        Assert.Equal(unknown.StatusCode, right.StatusCode);
        Assert.Equal(await ProblemAsync(unknown), await ProblemAsync(right));
        Assert.Equal(HeaderNames(unknown), HeaderNames(right));
        Assert.DoesNotContain("accessToken", await right.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Audit_trail_holds_the_failed_sign_ins_and_the_lockout()
    {
        var (user, password) = await NewUserAsync("locked-audit");
        await LockAsync(user.Email);
        using var right = await LoginAsync(user.Email, password);

        var audit = await Upload.GetAsync<PagedResult<AuditEntryDto>>(fixture.Client, $"/api/audit?userId={user.Id}&action=auth.&sort=at");

        string[] expected =
        [
            "auth.login failure wrong password (1 of 5 allowed)",
            "auth.login failure wrong password (2 of 5 allowed)",
            "auth.login failure wrong password (3 of 5 allowed)",
            "auth.login failure wrong password (4 of 5 allowed)",
            "auth.login failure wrong password (5 of 5 allowed)",
            "auth.login failure wrong password",
            "auth.lockout locked 6 failed sign-ins within 15 minutes",
            "auth.login locked locked until",
        ];
        var actual = audit.Items.Select(e => $"{e.Action} {e.Outcome} {e.Detail}").ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(expected.Zip(actual), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
        var lockout = Assert.Single(audit.Items, e => e.Action == AuthService.LockoutAction);
        Assert.Equal(AuditWriter.Locked, lockout.Outcome);
        Assert.Equal(user.Id, lockout.UserId);
        Assert.Equal(user.Email, lockout.UserEmail);
        Assert.Equal($"user:{user.Id}", lockout.Target);
        Assert.All(audit.Items, e => Assert.Equal(user.Email, e.UserEmail));
        Assert.Equal(6, audit.Items.Count(e => e.Action == AuthService.LoginAction && e.Outcome == AuditWriter.Failure));
    }

    [Fact]
    public async Task Wrong_passwords_for_an_unknown_email_never_answer_locked()
    {
        var email = $"nobody-{Guid.NewGuid():N}@lockout.example";

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            using var response = await LoginAsync(email, WrongPassword());
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 8), statuses);
        var audit = await Upload.GetAsync<PagedResult<AuditEntryDto>>(fixture.Client, $"/api/audit?email={Uri.EscapeDataString(email)}&action=auth.");
        Assert.Equal(8, audit.TotalCount);
        Assert.All(audit.Items, e =>
        {
            Assert.Equal((AuthService.LoginAction, AuditWriter.Failure, "unknown account"), (e.Action, e.Outcome, e.Detail));
            Assert.Null(e.UserId);
        });
    }

    [Fact]
    public async Task Right_password_after_four_wrong_ones_signs_in_and_resets_the_count()
    {
        var (user, password) = await NewUserAsync("reset-count");

        var beforeSuccess = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            using var wrong = await LoginAsync(user.Email, WrongPassword());
            beforeSuccess.Add(wrong.StatusCode);
        }

        using var right = await LoginAsync(user.Email, password);
        var afterSuccess = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await LoginAsync(user.Email, WrongPassword());
            afterSuccess.Add(wrong.StatusCode);
        }

        using var sixthAfterSuccess = await LoginAsync(user.Email, WrongPassword());

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 4), beforeSuccess);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.False(string.IsNullOrEmpty(JsonSerializer.Deserialize<TokenResponse>(await right.Content.ReadAsStringAsync(), Upload.Json)?.AccessToken));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), afterSuccess);
        Assert.Equal(HttpStatusCode.Unauthorized, sixthAfterSuccess.StatusCode);
        await AssertLockedForTheLockoutDurationAsync(user.Id);
    }

    private static string WrongPassword() => $"wrong-{Guid.NewGuid():N}";

    private async Task<(UserDto User, string Password)> NewUserAsync(string purpose)
    {
        var password = $"pw-{Guid.NewGuid():N}";
        var user = await fixture.CreateUserAsync($"{purpose}-{Guid.NewGuid():N}@lockout.example", UserRole.Analyst, password);
        return (user, password);
    }

    /// <summary>Six wrong passwords: the last one locks.</summary>
    private async Task LockAsync(string email)
    {
        for (var attempt = 1; attempt <= 6; attempt++)
        {
            using var response = await LoginAsync(email, WrongPassword());
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private async Task<HttpResponseMessage> LoginAsync(string email, string password)
    {
        using var client = fixture.Anonymous();
        return await client.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, password), Upload.Json);
    }

    private async Task AssertLockedForTheLockoutDurationAsync(long userId)
    {
        var stored = await fixture.Factory.Services.GetRequiredService<UserService>().GetAsync(userId, CancellationToken.None);
        Assert.NotNull(stored?.LockedUntil);
        Assert.InRange(stored.LockedUntil.Value, DateTimeOffset.UtcNow + Options.LockoutDuration - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + Options.LockoutDuration);
    }

    private static async Task<(string? Title, string? Detail)> ProblemAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (problem.RootElement.GetProperty("title").GetString(), problem.RootElement.GetProperty("detail").GetString());
    }

    private static string[] HeaderNames(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers).Select(h => h.Key).Order(StringComparer.OrdinalIgnoreCase).ToArray();
}

[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlLockoutTests(PostgreSqlApiFixture fixture) : LockoutTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class SqliteLockoutTests(SqliteApiFixture fixture) : LockoutTests(fixture), IClassFixture<SqliteApiFixture>;
