using System.Net.Http.Headers;
using System.Text.Json;

namespace DmarcSecurity.Cli.Api;

/// <summary>The Api over HTTP with an API key. Every failure comes out as an <see cref="ApiException"/> (the Api
/// answered an error) or an <see cref="ApiUnreachableException"/> (it did not answer), each with a one-line message.</summary>
public sealed class ApiClient : IDisposable
{
    public const string ApiKeyHeader = "X-Api-Key";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;

    public ApiClient(Uri baseAddress, string apiKey, HttpMessageHandler? handler)
    {
        // A test's handler belongs to the test; a handler of our own is ours to dispose.
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = baseAddress;
        // Large uploads of many files take a while; a dead connection still fails at once.
        _http.Timeout = TimeSpan.FromMinutes(30);
        _http.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("dmarcsec", typeof(ApiClient).Assembly.GetName().Version?.ToString(3) ?? "1.0"));
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Sends the request and returns the answer's body, or throws with the Api's reason.</summary>
    public async Task<string> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (content is MultipartContent)
        {
            // A refusal on the headers (401, 403, 413, 429) comes back before the files are sent.
            request.Headers.ExpectContinue = true;
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ApiUnreachableException(
                $"Cannot reach the Api at {BaseAddress}: {e.Message.TrimEnd('.')}. Is it running, and is --api (or {CliHost.ApiVariable}) its address?", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiUnreachableException($"The Api at {BaseAddress} did not answer within {_http.Timeout.TotalMinutes:0} minutes.", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta
                    ?? (response.Headers.RetryAfter?.Date is { } at ? at - DateTimeOffset.UtcNow : null);
                throw ApiException.From(method, path.TrimStart('/'), response.StatusCode, body, retryAfter);
            }

            return body;
        }
    }

    public async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        var body = await SendAsync(method, path, content, cancellationToken);
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json)
                ?? throw new ApiException(System.Net.HttpStatusCode.OK, $"The Api answered {method} /{path.TrimStart('/')} with an empty body.");
        }
        catch (JsonException e)
        {
            throw new ApiException(System.Net.HttpStatusCode.OK,
                $"The Api's answer to {method} /{path.TrimStart('/')} is not what this tool understands ({e.Message}); is --api the Api's address?");
        }
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    public void Dispose() => _http.Dispose();
}
