using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Web.Api;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace DmarcSecurity.Web.Session;

/// <summary>
/// The Api's tokens for each signed-in browser session: the browser holds an auth cookie naming its session, never a
/// token. They are kept encrypted (Data Protection) in the Web app's shared state (<see cref="SharedSessionState"/>:
/// Redis, or a folder), so a restart of the Web app, or another replica, signs no one out. Access tokens are refreshed
/// shortly before they expire (and once more when the Api refuses one), one replica at a time; a refresh the Api
/// refuses ends the session.
/// </summary>
internal sealed class SessionStore(
    IHttpClientFactory httpClientFactory,
    IDistributedCache store,
    IDataProtectionProvider protection,
    TimeProvider time,
    ILogger<SessionStore> logger,
    IConnectionMultiplexer? redis = null)
{
    private static readonly TimeSpan s_refreshAhead = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_lockFor = TimeSpan.FromSeconds(15);
    private readonly IDataProtector _protector = protection.CreateProtector("DmarcSecurity.Web.Session.v1");
    /// <summary>One refresh at a time per session in this process: a fixed set of gates, a session's picked by its key,
    /// so nothing grows with the sessions that come and go.</summary>
    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<string> AddAsync(TokenResponse tokens, CancellationToken cancellationToken)
    {
        var sessionId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await SaveAsync(sessionId, tokens, cancellationToken);
        return sessionId;
    }

    public async Task<bool> IsActiveAsync(string sessionId, CancellationToken cancellationToken) =>
        await LoadAsync(sessionId, cancellationToken) is { } tokens && tokens.RefreshTokenExpiresAt > time.GetUtcNow();

    /// <summary>A current access token, refreshed first when it expires within a minute; null when the session is over.</summary>
    public async Task<string?> AccessTokenAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(sessionId, cancellationToken) is not { } tokens)
        {
            return null;
        }

        return tokens.AccessTokenExpiresAt - s_refreshAhead > time.GetUtcNow()
            ? tokens.AccessToken
            : await RefreshAsync(sessionId, tokens.AccessToken, cancellationToken);
    }

    /// <summary>Refreshes unless another caller (here or in another replica) already replaced
    /// <paramref name="staleAccessToken"/>; null when the session is over.</summary>
    public async Task<string?> RefreshAsync(string sessionId, string staleAccessToken, CancellationToken cancellationToken)
    {
        var key = Key(sessionId);
        var gate = _gates[(int)((uint)string.GetHashCode(key, StringComparison.Ordinal) % (uint)_gates.Length)];
        await gate.WaitAsync(cancellationToken);
        var lockKey = $"dmarcsecurity:web:refresh:{key}";
        var lockToken = Guid.NewGuid().ToString("N");
        var locked = await LockAsync(lockKey, lockToken, cancellationToken);
        try
        {
            // Read again under the lock: another caller may have refreshed meanwhile.
            if (await LoadAsync(sessionId, cancellationToken) is not { } tokens)
            {
                return null;
            }

            if (tokens.AccessToken != staleAccessToken)
            {
                return tokens.AccessToken;
            }

            using var http = httpClientFactory.CreateClient(ApiClient.AnonymousClient);
            using var response = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = tokens.RefreshToken }, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden)
            {
                logger.LogInformation("The Api refused to refresh a session ({Status}); it ends.", (int)response.StatusCode);
                await store.RemoveAsync(key, cancellationToken);
                return null;
            }

            response.EnsureSuccessStatusCode();
            tokens = (await response.Content.ReadFromJsonAsync<TokenResponse>(ApiClient.Json, cancellationToken))!;
            await SaveAsync(sessionId, tokens, cancellationToken);
            return tokens.AccessToken;
        }
        finally
        {
            if (locked)
            {
                await redis!.GetDatabase().LockReleaseAsync(lockKey, lockToken);
            }

            gate.Release();
        }
    }

    /// <summary>Ends the session; returns its tokens so the caller can revoke them at the Api.</summary>
    public async Task<TokenResponse?> RemoveAsync(string sessionId, CancellationToken cancellationToken)
    {
        var tokens = await LoadAsync(sessionId, cancellationToken);
        await store.RemoveAsync(Key(sessionId), cancellationToken);
        return tokens;
    }

    /// <summary>With Redis, one replica refreshes a session at a time; false when there is no Redis (one replica) or it
    /// cannot be reached (the refresh goes ahead: at worst the Api refuses a second one and the session ends).</summary>
    private async Task<bool> LockAsync(string key, string token, CancellationToken cancellationToken)
    {
        if (redis is null)
        {
            return false;
        }

        try
        {
            var deadline = time.GetUtcNow() + s_lockFor;
            while (!await redis.GetDatabase().LockTakeAsync(key, token, s_lockFor))
            {
                if (time.GetUtcNow() > deadline)
                {
                    return false;
                }

                await Task.Delay(50, cancellationToken);
            }

            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private async Task<TokenResponse?> LoadAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(Key(sessionId), cancellationToken) is not { } bytes)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<TokenResponse>(_protector.Unprotect(bytes), ApiClient.Json);
        }
        catch (CryptographicException)
        {
            // Written under keys this app no longer has: the session cannot be read, so it is over.
            return null;
        }
    }

    private Task SaveAsync(string sessionId, TokenResponse tokens, CancellationToken cancellationToken) =>
        store.SetAsync(Key(sessionId), _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(tokens, ApiClient.Json)),
            new DistributedCacheEntryOptions { AbsoluteExpiration = tokens.RefreshTokenExpiresAt }, cancellationToken);

    /// <summary>The store's key: a hash, so the store never holds a session id a cookie could be made from.</summary>
    private static string Key(string sessionId) => "dmarcsecurity:web:session:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sessionId)));
}
