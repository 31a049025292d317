using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using DmarcSecurity.Web.Session;
using Microsoft.AspNetCore.Components.Authorization;

namespace DmarcSecurity.Web.Api;

/// <summary>The Api as the signed-in user: every request carries the session's access token; a refused token is
/// refreshed once and the request repeated; a session that cannot be refreshed raises <see cref="SessionExpiredException"/>.
/// Error answers (RFC 9457 problem documents) raise <see cref="ApiException"/> with the Api's own words.</summary>
internal sealed class ApiClient(HttpClient http, AuthenticationStateProvider authentication, SessionStore sessions, ClientConnection client)
{
    /// <summary>The named client for calls made before there is a session (sign-in, refresh).</summary>
    public const string AnonymousClient = "api-anonymous";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
    }

    /// <summary>GET that answers null for 404.</summary>
    public async Task<T?> FindAsync<T>(string path, CancellationToken cancellationToken = default)
        where T : class
    {
        try
        {
            return await GetAsync<T>(path, cancellationToken);
        }
        catch (ApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<byte[]> GetBytesAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    public Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken = default) =>
        SendJsonAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    public Task<T> PutAsync<T>(string path, object? body, CancellationToken cancellationToken = default) =>
        SendJsonAsync<T>(HttpMethod.Put, path, body, cancellationToken);

    public async Task PostAsync(string path, object? body, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => JsonRequest(HttpMethod.Post, path, body), cancellationToken);
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken);
    }

    /// <summary>Sends a request built by <paramref name="request"/> (called again for the one retry after a refresh)
    /// and returns the successful response; the caller disposes it.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken = default)
    {
        // In a circuit there is no request to read the browser's address from: the circuit's own is made current for the
        // Api calls below (the refresh included), for the hop headers.
        if (client.Address is { } address)
        {
            ClientConnection.Current = address;
        }

        var sessionId = await SessionIdAsync();
        var token = await sessions.AccessTokenAsync(sessionId, cancellationToken) ?? throw new SessionExpiredException();
        var response = await SendWithTokenAsync(request(), token, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            token = await sessions.RefreshAsync(sessionId, token, cancellationToken) ?? throw new SessionExpiredException();
            response = await SendWithTokenAsync(request(), token, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                response.Dispose();
                await sessions.RemoveAsync(sessionId, cancellationToken);
                throw new SessionExpiredException();
            }
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ApiException.FromAsync(response, cancellationToken);
            }
        }

        return response;
    }

    public static HttpRequestMessage JsonRequest(HttpMethod method, string path, object? body) =>
        new(method, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: Json) };

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => JsonRequest(method, path, body), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
    }

    private async Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, string token, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using (request)
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
    }

    private async Task<string> SessionIdAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return state.User.FindFirst(WebClaims.SessionId)?.Value ?? throw new SessionExpiredException();
    }
}

/// <summary>The session behind the auth cookie is over: sign in again.</summary>
internal sealed class SessionExpiredException() : Exception("Your session has ended. Sign in again.");

/// <summary>An error answer from the Api, with the problem document's title and detail.</summary>
internal sealed class ApiException(HttpStatusCode status, string message, IReadOnlyDictionary<string, string[]>? errors = null)
    : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();

    public static async Task<ApiException> FromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(ApiClient.Json, cancellationToken);
            if (problem is not null)
            {
                var errors = problem.Errors ?? new Dictionary<string, string[]>();
                var message = errors.Count > 0
                    ? string.Join(" ", errors.Values.SelectMany(v => v))
                    : problem.Detail ?? problem.Title ?? Describe(status);
                return new ApiException(status, message, errors);
            }
        }
        catch (JsonException)
        {
        }
        catch (NotSupportedException)
        {
        }

        return new ApiException(status, Describe(status));
    }

    private static string Describe(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Forbidden => "Your role does not allow this.",
        HttpStatusCode.NotFound => "Not found.",
        HttpStatusCode.TooManyRequests => "Too many requests; try again in a minute.",
        _ => $"The Api answered {(int)status}.",
    };

    private sealed record Problem(string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}
