using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Api.ApiKeys;
using DmarcSecurity.Api.Audit;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Reports;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DmarcSecurity.Api.Tests;

/// <summary>Access tokens, refresh tokens and API keys: what is accepted, what is refused, and what revokes what.</summary>
public abstract class TokenTests(ApiFixture fixture)
{
    /// <summary>As long as the real key and just as well-formed, but not the one the Api knows.</summary>
    private const string ForeignSigningKey = "foreign-signing-key-the-api-never-saw-0123456789-abcdefghijklmnopqrstuvwxyz";

    /// <summary>Registered claims the re-signing below sets itself; everything else is copied verbatim.</summary>
    private static readonly HashSet<string> s_timeAndAudienceClaims = ["iss", "aud", "exp", "nbf", "iat"];

    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    private HttpClient Admin => fixture.Client;

    [Fact]
    public async Task Access_token_re_signed_with_its_expiry_in_the_past_is_refused()
    {
        var (_, _, tokens) = await NewSignedInUserAsync(UserRole.Viewer, "expired");
        var original = new JsonWebToken(tokens.AccessToken);
        var now = DateTime.UtcNow;
        // The same claims with the original times: proves the re-signing itself yields a token the Api accepts.
        var sameTimes = Resign(tokens.AccessToken, ApiFixture.SigningKey, original.IssuedAt, original.ValidFrom, original.ValidTo);
        // Issued 20 minutes ago, expired 5 minutes ago: far beyond the 30-second clock skew.
        var expired = Resign(tokens.AccessToken, ApiFixture.SigningKey, now.AddMinutes(-20), now.AddMinutes(-20), now.AddMinutes(-5));

        using var acceptedResponse = await GetWithBearerAsync(sameTimes, "/api/auth/me");
        using var expiredResponse = await GetWithBearerAsync(expired, "/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, acceptedResponse.StatusCode);
        Assert.Equal(ClaimsWithoutTimes(tokens.AccessToken), ClaimsWithoutTimes(expired));
        Assert.True(new JsonWebToken(expired).ValidTo < now - TokenService.ClockSkew - TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.Unauthorized, expiredResponse.StatusCode);
        // Refused for its lifetime, not for its signature or claims (as the Api's own validation parameters say); the
        // client is told nothing more than to bring a bearer token.
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(
            expired, fixture.Factory.Services.GetRequiredService<TokenService>().ValidationParameters());
        Assert.IsType<SecurityTokenInvalidLifetimeException>(validation.Exception);
        Assert.Equal("Bearer", expiredResponse.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task Access_token_whose_payload_was_changed_from_Viewer_to_Admin_is_refused()
    {
        var (_, _, tokens) = await NewSignedInUserAsync(UserRole.Viewer, "tampered");
        var parts = tokens.AccessToken.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]));
        Assert.Contains("\"role\":\"Viewer\"", payload, StringComparison.Ordinal);
        var forgedPayload = payload.Replace("\"role\":\"Viewer\"", "\"role\":\"Admin\"", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(forgedPayload))}.{parts[2]}";

        using var genuineOnUsers = await GetWithBearerAsync(tokens.AccessToken, "/api/users");
        using var tamperedOnUsers = await GetWithBearerAsync(tampered, "/api/users");
        using var tamperedOnMe = await GetWithBearerAsync(tampered, "/api/auth/me");

        Assert.Equal("Admin", new JsonWebToken(tampered).GetClaim(AuthClaims.Role).Value);
        Assert.Equal(HttpStatusCode.Forbidden, genuineOnUsers.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tamperedOnUsers.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tamperedOnMe.StatusCode);
    }

    [Fact]
    public async Task Access_token_with_valid_claims_signed_with_another_key_is_refused()
    {
        var (user, _, tokens) = await NewSignedInUserAsync(UserRole.Admin, "foreign-key");
        var original = new JsonWebToken(tokens.AccessToken);
        var ownKey = Resign(tokens.AccessToken, ApiFixture.SigningKey, original.IssuedAt, original.ValidFrom, original.ValidTo);
        var foreignKey = Resign(tokens.AccessToken, ForeignSigningKey, original.IssuedAt, original.ValidFrom, original.ValidTo);

        using var ownKeyResponse = await GetWithBearerAsync(ownKey, "/api/auth/me");
        using var foreignKeyResponse = await GetWithBearerAsync(foreignKey, "/api/auth/me");

        Assert.True(ForeignSigningKey.Length >= AuthOptions.MinimumSigningKeyLength);
        Assert.Equal(ClaimsWithoutTimes(tokens.AccessToken), ClaimsWithoutTimes(foreignKey));
        Assert.Equal(HttpStatusCode.OK, ownKeyResponse.StatusCode);
        Assert.Equal(user.Id, (await ReadAsync<MeResponse>(ownKeyResponse)).Id);
        Assert.Equal(HttpStatusCode.Unauthorized, foreignKeyResponse.StatusCode);
    }

    [Fact]
    public async Task Refresh_token_works_once_and_is_rotated_to_a_new_one()
    {
        var (user, _, tokens) = await NewSignedInUserAsync(UserRole.Analyst, "rotate");

        using var first = await RefreshAsync(tokens.RefreshToken);
        var renewed = await ReadAsync<TokenResponse>(first);
        using var me = await GetWithBearerAsync(renewed.AccessToken, "/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotEqual(tokens.RefreshToken, renewed.RefreshToken);
        Assert.NotEqual(tokens.AccessToken, renewed.AccessToken);
        Assert.Equal("Bearer", renewed.TokenType);
        Assert.Equal(user.Id, (await ReadAsync<MeResponse>(me)).Id);
    }

    [Fact]
    public async Task Rotated_refresh_token_presented_again_revokes_the_whole_family()
    {
        var (user, _, tokens) = await NewSignedInUserAsync(UserRole.Analyst, "reuse");
        using var rotation = await RefreshAsync(tokens.RefreshToken);
        var newest = await ReadAsync<TokenResponse>(rotation);

        using var replay = await RefreshAsync(tokens.RefreshToken);
        using var newestAfterReplay = await RefreshAsync(newest.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, rotation.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, newestAfterReplay.StatusCode);
        var audit = await Upload.GetAsync<PagedResult<AuditEntryDto>>(Admin, $"/api/audit?action={AuthService.RefreshReuseAction}&userId={user.Id}");
        var entry = Assert.Single(audit.Items);
        Assert.Equal(AuthService.RefreshReuseAction, entry.Action);
        Assert.Equal(user.Id, entry.UserId);
        Assert.Equal($"user:{user.Id}", entry.Target);
        Assert.Equal(AuditWriter.Denied, entry.Outcome);
    }

    [Fact]
    public async Task Logout_revokes_the_refresh_token()
    {
        var (_, _, tokens) = await NewSignedInUserAsync(UserRole.Viewer, "logout");
        using var bearer = fixture.WithBearer(tokens.AccessToken);

        using var logout = await bearer.PostAsJsonAsync("/api/auth/logout", new RefreshRequest(tokens.RefreshToken), Upload.Json);
        using var refresh = await RefreshAsync(tokens.RefreshToken);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Fact]
    public async Task Disabled_user_loses_access_token_api_key_refresh_token_and_sign_in()
    {
        var (user, password, tokens) = await NewSignedInUserAsync(UserRole.Analyst, "disabled");
        using var bearer = fixture.WithBearer(tokens.AccessToken);
        using var keyClient = fixture.WithApiKey(await ApiFixture.CreateApiKeyAsync(bearer, "disabled-user-key"));
        using var tokenBefore = await GetAsync(bearer, "/api/auth/me");
        using var keyBefore = await GetAsync(keyClient, "/api/auth/me");

        using var disable = await Admin.PostAsync($"/api/users/{user.Id}/disable", null);

        Assert.Equal(HttpStatusCode.OK, tokenBefore.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keyBefore.StatusCode);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.True((await ReadAsync<UserDto>(disable)).Disabled);
        using var tokenAfter = await GetAsync(bearer, "/api/auth/me");
        using var keyAfter = await GetAsync(keyClient, "/api/auth/me");
        using var refreshAfter = await RefreshAsync(tokens.RefreshToken);
        using var loginAfter = await LoginAsync(user.Email, password);
        Assert.Equal(HttpStatusCode.Unauthorized, tokenAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, keyAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refreshAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, loginAfter.StatusCode);
    }

    [Fact]
    public async Task Revoked_api_key_is_refused()
    {
        var created = await CreateKeyAsync(Admin, new CreateApiKeyRequest("to-revoke", null, null, null));
        using var keyClient = fixture.WithApiKey(created.Key);
        using var before = await GetAsync(keyClient, "/api/reports");

        using var revoke = await Admin.DeleteAsync($"/api/api-keys/{created.ApiKey.Id}");
        using var after = await GetAsync(keyClient, "/api/reports");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.NotNull((await ReadAsync<ApiKeyDto>(revoke)).RevokedAt);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Api_key_past_its_expiry_is_refused()
    {
        var created = await CreateKeyAsync(Admin, new CreateApiKeyRequest("to-expire", null, DateTimeOffset.UtcNow.AddDays(30), null));
        using var keyClient = fixture.WithApiKey(created.Key);
        using var before = await GetAsync(keyClient, "/api/reports");

        var contexts = fixture.Factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var moved = await db.ApiKeys.Where(k => k.Id == created.ApiKey.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(k => k.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
            Assert.Equal(1, moved);
        }

        using var after = await GetAsync(keyClient, "/api/reports");

        Assert.NotNull(created.ApiKey.ExpiresAt);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Role_change_makes_the_earlier_access_token_fail()
    {
        var (user, password, tokens) = await NewSignedInUserAsync(UserRole.Analyst, "role-change");
        using var bearer = fixture.WithBearer(tokens.AccessToken);
        using var before = await GetAsync(bearer, "/api/auth/me");

        using var change = await Admin.PutAsJsonAsync($"/api/users/{user.Id}/role", new ChangeRoleRequest(UserRole.Viewer), Upload.Json);
        using var after = await GetAsync(bearer, "/api/auth/me");
        using var reissued = await GetWithBearerAsync((await fixture.LoginAsync(user.Email, password)).AccessToken, "/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(UserRole.Analyst, (await ReadAsync<MeResponse>(before)).Role);
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Assert.Equal(UserRole.Viewer, (await ReadAsync<UserDto>(change)).Role);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reissued.StatusCode);
        Assert.Equal(UserRole.Viewer, (await ReadAsync<MeResponse>(reissued)).Role);
    }

    [Fact]
    public async Task Change_password_revokes_refresh_tokens_and_only_the_new_password_signs_in()
    {
        var (user, oldPassword, tokens) = await NewSignedInUserAsync(UserRole.Viewer, "change-password");
        var newPassword = NewPassword();
        using var bearer = fixture.WithBearer(tokens.AccessToken);

        using var change = await bearer.PostAsJsonAsync("/api/auth/change-password", new ChangePasswordRequest(oldPassword, newPassword), Upload.Json);
        using var refresh = await RefreshAsync(tokens.RefreshToken);
        using var oldAccessToken = await GetAsync(bearer, "/api/auth/me");
        using var oldPasswordLogin = await LoginAsync(user.Email, oldPassword);
        using var newPasswordLogin = await LoginAsync(user.Email, newPassword);

        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, oldAccessToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, oldPasswordLogin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newPasswordLogin.StatusCode);
        var renewed = await ReadAsync<TokenResponse>(newPasswordLogin);
        using var me = await GetWithBearerAsync(renewed.AccessToken, "/api/auth/me");
        Assert.Equal(user.Id, (await ReadAsync<MeResponse>(me)).Id);
    }

    [Fact]
    public async Task Key_with_a_lowered_role_reads_but_cannot_administer()
    {
        var key = await ApiFixture.CreateApiKeyAsync(Admin, "lowered-to-viewer", UserRole.Viewer);
        using var keyClient = fixture.WithApiKey(key);

        using var me = await GetAsync(keyClient, "/api/auth/me");
        using var reports = await GetAsync(keyClient, "/api/reports");
        using var users = await GetAsync(keyClient, "/api/users");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var caller = await ReadAsync<MeResponse>(me);
        Assert.Equal((ApiFixture.AdminEmail, UserRole.Viewer), (caller.Email, caller.Role));
        Assert.NotNull(caller.ApiKeyId);
        Assert.Equal(HttpStatusCode.OK, reports.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
    }

    [Fact]
    public async Task Viewer_cannot_create_a_key_with_the_Admin_role()
    {
        var (_, _, tokens) = await NewSignedInUserAsync(UserRole.Viewer, "viewer-key");
        using var bearer = fixture.WithBearer(tokens.AccessToken);

        using var response = await bearer.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest("wants-admin", UserRole.Admin, null, null), Upload.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadAsync<HttpValidationProblemDetails>(response);
        Assert.Contains("role", problem.Errors.Keys);
    }

    [Fact]
    public async Task Key_with_a_lowered_role_cannot_create_a_key_above_its_own_role()
    {
        var lowered = await ApiFixture.CreateApiKeyAsync(Admin, "lowered-minting", UserRole.Viewer);
        using var keyClient = fixture.WithApiKey(lowered);

        using var asAdmin = await keyClient.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest("minted-admin", UserRole.Admin, null, null), Upload.Json);
        using var withoutRole = await keyClient.PostAsJsonAsync("/api/api-keys", new CreateApiKeyRequest("minted-default", null, null, null), Upload.Json);

        Assert.Equal(HttpStatusCode.BadRequest, asAdmin.StatusCode);
        // Without a role the new key takes the role its creator acts with, not the owner's higher one.
        Assert.Equal(HttpStatusCode.OK, withoutRole.StatusCode);
        Assert.Equal(UserRole.Viewer, (await ReadAsync<CreatedApiKey>(withoutRole)).ApiKey.Role);
    }

    [Fact]
    public async Task Successful_refresh_is_audited_with_the_user()
    {
        var (user, _, tokens) = await NewSignedInUserAsync(UserRole.Viewer, "refresh-audit");

        using var rotation = await RefreshAsync(tokens.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, rotation.StatusCode);
        var audit = await Upload.GetAsync<PagedResult<AuditEntryDto>>(Admin, $"/api/audit?action={AuthService.RefreshAction}&userId={user.Id}");
        var entry = Assert.Single(audit.Items, e => e.Action == AuthService.RefreshAction);
        Assert.Equal((AuditWriter.Success, user.Email), (entry.Outcome, entry.UserEmail));
    }

    private static string NewPassword() => $"pw-{Guid.NewGuid():N}";

    private async Task<(UserDto User, string Password, TokenResponse Tokens)> NewSignedInUserAsync(UserRole role, string purpose)
    {
        var email = $"{purpose}-{Guid.NewGuid():N}@tokens.example";
        var password = NewPassword();
        var user = await fixture.CreateUserAsync(email, role, password);
        return (user, password, await fixture.LoginAsync(email, password));
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, string url) => client.GetAsync(url);

    private async Task<HttpResponseMessage> GetWithBearerAsync(string accessToken, string url)
    {
        using var client = fixture.WithBearer(accessToken);
        return await client.GetAsync(url);
    }

    private async Task<HttpResponseMessage> RefreshAsync(string refreshToken)
    {
        using var client = fixture.Anonymous();
        return await client.PostAsJsonAsync("/api/auth/refresh", new RefreshRequest(refreshToken), Upload.Json);
    }

    private async Task<HttpResponseMessage> LoginAsync(string email, string password)
    {
        using var client = fixture.Anonymous();
        return await client.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, password), Upload.Json);
    }

    private static async Task<CreatedApiKey> CreateKeyAsync(HttpClient client, CreateApiKeyRequest request)
    {
        using var response = await client.PostAsJsonAsync("/api/api-keys", request, Upload.Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadAsync<CreatedApiKey>(response);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        JsonSerializer.Deserialize<T>(await response.Content.ReadAsStringAsync(), Upload.Json)
        ?? throw new InvalidOperationException($"The response had no {typeof(T).Name}.");

    /// <summary>The token's claims, re-signed with <paramref name="key"/> and the given times.</summary>
    private static string Resign(string accessToken, string key, DateTime issuedAt, DateTime notBefore, DateTime expires)
    {
        var original = new JsonWebToken(accessToken);
        return s_handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = original.Issuer,
            Audience = Assert.Single(original.Audiences),
            Claims = original.Claims.Where(c => !s_timeAndAudienceClaims.Contains(c.Type)).ToDictionary(c => c.Type, c => (object)c.Value),
            IssuedAt = issuedAt,
            NotBefore = notBefore,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Every claim but the times, in a stable order, for comparing a token with its re-signed copy.</summary>
    private static string[] ClaimsWithoutTimes(string token) =>
        new JsonWebToken(token).Claims
            .Where(c => c.Type is not ("exp" or "nbf" or "iat"))
            .Select(c => $"{c.Type}={c.Value}")
            .Order(StringComparer.Ordinal)
            .ToArray();
}

[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlTokenTests(PostgreSqlApiFixture fixture) : TokenTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class SqliteTokenTests(SqliteApiFixture fixture) : TokenTests(fixture), IClassFixture<SqliteApiFixture>;
