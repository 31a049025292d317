using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using DmarcSecurity.Web.Api;

namespace DmarcSecurity.Web.Session;

/// <summary>The Api's tokens for each signed-in browser session, kept in this process only: the browser holds an
/// auth cookie naming its session, never a token. Access tokens are refreshed shortly before they expire (and once
/// more when the Api refuses one); a refresh the Api refuses ends the session.</summary>
internal sealed class SessionStore(IHttpClientFactory httpClientFactory, TimeProvider time, ILogger<SessionStore> logger)
{
    private static readonly TimeSpan s_refreshAhead = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    public string Add(TokenResponse tokens)
    {
        foreach (var (id, entry) in _sessions)
        {
            if (entry.Tokens.RefreshTokenExpiresAt <= time.GetUtcNow())
            {
                _sessions.TryRemove(id, out _);
            }
        }

        var sessionId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _sessions[sessionId] = new Entry(tokens);
        return sessionId;
    }

    public bool IsActive(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var entry) && entry.Tokens.RefreshTokenExpiresAt > time.GetUtcNow();

    /// <summary>A current access token, refreshed first when it expires within a minute; null when the session is over.</summary>
    public async Task<string?> AccessTokenAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (!_sessions.TryGetValue(sessionId, out var entry))
        {
            return null;
        }

        var tokens = entry.Tokens;
        return tokens.AccessTokenExpiresAt - s_refreshAhead > time.GetUtcNow()
            ? tokens.AccessToken
            : await RefreshAsync(sessionId, tokens.AccessToken, cancellationToken);
    }

    /// <summary>Refreshes unless another caller already replaced <paramref name="staleAccessToken"/>; null when the
    /// session is over.</summary>
    public async Task<string?> RefreshAsync(string sessionId, string staleAccessToken, CancellationToken cancellationToken)
    {
        if (!_sessions.TryGetValue(sessionId, out var entry))
        {
            return null;
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Tokens.AccessToken != staleAccessToken)
            {
                return entry.Tokens.AccessToken;
            }

            using var http = httpClientFactory.CreateClient(ApiClient.AnonymousClient);
            using var response = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = entry.Tokens.RefreshToken }, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden)
            {
                logger.LogInformation("The Api refused to refresh a session ({Status}); it ends.", (int)response.StatusCode);
                _sessions.TryRemove(sessionId, out _);
                return null;
            }

            response.EnsureSuccessStatusCode();
            entry.Tokens = (await response.Content.ReadFromJsonAsync<TokenResponse>(ApiClient.Json, cancellationToken))!;
            return entry.Tokens.AccessToken;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Ends the session here; returns its tokens so the caller can revoke them at the Api.</summary>
    public TokenResponse? Remove(string sessionId) => _sessions.TryRemove(sessionId, out var entry) ? entry.Tokens : null;

    private sealed class Entry(TokenResponse tokens)
    {
        public TokenResponse Tokens { get; set; } = tokens;

        public SemaphoreSlim Gate { get; } = new(1, 1);
    }
}
