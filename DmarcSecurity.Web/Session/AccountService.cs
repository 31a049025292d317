using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using DmarcSecurity.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace DmarcSecurity.Web.Session;

/// <summary>Sign-in, sign-out and password change against the Api, turning the Api's tokens into a server-side
/// session behind the auth cookie.</summary>
internal sealed class AccountService(IHttpClientFactory httpClientFactory, SessionStore sessions, SignInLimiter limiter, ILogger<AccountService> logger)
{
    public const string TooManyAttempts = "Too many sign-in attempts from your address. Wait a minute and try again.";

    public async Task<string?> SignInAsync(HttpContext context, string email, string password, CancellationToken cancellationToken)
    {
        if (!limiter.TryAcquire(context.Connection.RemoteIpAddress))
        {
            // The sign-in page still renders (with this message), answered 429 so scripts and proxies see the refusal.
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "60";
            return TooManyAttempts;
        }

        using var http = httpClientFactory.CreateClient(ApiClient.AnonymousClient);
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { email, password }, ApiClient.Json, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest:
                // The Api answers a locked account as it answers a wrong password, so neither tells which accounts exist.
                return "Wrong email or password, or the account is locked for a while after too many failed sign-ins.";
            case HttpStatusCode.TooManyRequests:
                return "Too many attempts from here. Wait a minute and try again.";
            case HttpStatusCode.Forbidden:
                return "This account is disabled.";
        }

        if (!response.IsSuccessStatusCode)
        {
            return (await ApiException.FromAsync(response, cancellationToken)).Message;
        }

        var tokens = (await response.Content.ReadFromJsonAsync<TokenResponse>(ApiClient.Json, cancellationToken))!;
        using var meRequest = new HttpRequestMessage(HttpMethod.Get, "/api/auth/me");
        meRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        using var meResponse = await http.SendAsync(meRequest, cancellationToken);
        meResponse.EnsureSuccessStatusCode();
        var me = (await meResponse.Content.ReadFromJsonAsync<MeResponse>(ApiClient.Json, cancellationToken))!;

        var previous = context.User.FindFirst(WebClaims.SessionId)?.Value;
        if (previous is not null)
        {
            await sessions.RemoveAsync(previous, cancellationToken);
        }

        var sessionId = await sessions.AddAsync(tokens, cancellationToken);
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, me.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, me.Email),
            new(ClaimTypes.Role, me.Role),
            new(WebClaims.DisplayName, me.DisplayName),
            new(WebClaims.SessionId, sessionId),
        ];
        if (me.MustChangePassword)
        {
            claims.Add(new Claim(WebClaims.MustChangePassword, "true"));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal,
            new AuthenticationProperties { ExpiresUtc = tokens.RefreshTokenExpiresAt });
        context.User = principal;
        return null;
    }

    /// <summary>Changes the password at the Api (which ends the user's tokens), then signs in afresh with the new one.</summary>
    public async Task<string?> ChangePasswordAsync(HttpContext context, string currentPassword, string newPassword, CancellationToken cancellationToken)
    {
        var sessionId = context.User.FindFirst(WebClaims.SessionId)?.Value;
        var token = sessionId is null ? null : await sessions.AccessTokenAsync(sessionId, cancellationToken);
        if (token is null)
        {
            return "Your session has ended. Sign in again.";
        }

        using var http = httpClientFactory.CreateClient(ApiClient.AnonymousClient);
        using var request = ApiClient.JsonRequest(HttpMethod.Post, "/api/auth/change-password", new { currentPassword, newPassword });
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return response.StatusCode == HttpStatusCode.Unauthorized
                ? "The current password is wrong."
                : (await ApiException.FromAsync(response, cancellationToken)).Message;
        }

        return await SignInAsync(context, context.User.Identity!.Name!, newPassword, cancellationToken);
    }

    public async Task SignOutAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var sessionId = context.User.FindFirst(WebClaims.SessionId)?.Value;
        if (sessionId is not null && await sessions.RemoveAsync(sessionId, cancellationToken) is { } tokens)
        {
            try
            {
                using var http = httpClientFactory.CreateClient(ApiClient.AnonymousClient);
                using var request = ApiClient.JsonRequest(HttpMethod.Post, "/api/auth/logout", new { refreshToken = tokens.RefreshToken });
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
                using var response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                logger.LogWarning(e, "Could not revoke the session's tokens at the Api; they expire on their own.");
            }
        }

        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
