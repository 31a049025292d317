using System.Net;
using System.Net.Http.Headers;
using DmarcSecurity.Web.Session;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;

namespace DmarcSecurity.Web.Api;

/// <summary>
/// The upload page's files reach the Api through the Web app, one request per file so the browser can show each file's
/// progress and outcome: the browser posts the file (multipart, field <c>files</c>) with the page's antiforgery token,
/// and the body is streamed on to <c>POST /api/ingest/files</c> with the session's access token, unbuffered. The Api's
/// answer (per-file outcome or problem document) goes back as it came.
/// </summary>
internal sealed partial class UploadProxy(IHttpClientFactory httpClientFactory, SessionStore sessions, ILogger<UploadProxy> logger)
{
    public const string Client = "api-upload";
    public const string Path = "/upload";

    public async Task ForwardAsync(HttpContext context)
    {
        var sessionId = context.User.FindFirst(WebClaims.SessionId)?.Value;
        var token = sessionId is null ? null : await sessions.AccessTokenAsync(sessionId, context.RequestAborted);
        if (token is null)
        {
            await Results.Problem(title: "Your session has ended. Sign in again.", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest/files")
        {
            Content = new StreamContent(context.Request.Body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(context.Request.ContentType!);
        if (context.Request.ContentLength is { } length)
        {
            request.Content.Headers.ContentLength = length;
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // The Api refuses on the headers alone what it would never take (too large, no right, too many): asked to wait for
        // "100 Continue", the proxy sends no body to a refusal, so the refusal comes back instead of a broken connection.
        request.Headers.ExpectContinue = true;
        using var http = httpClientFactory.CreateClient(Client);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogApiUnreachable(logger, e);
            await Results.Problem(title: "The upload did not reach the Api; try again in a moment.", statusCode: StatusCodes.Status502BadGateway)
                .ExecuteAsync(context);
            return;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString();
            }

            var contentType = response.Content.Headers.ContentType?.MediaType;
            if (!response.IsSuccessStatusCode && contentType is not ("application/problem+json" or "application/json"))
            {
                // A refusal without a problem document (from a proxy, or a bare status) still reaches the page as one.
                await Results.Problem(title: Describe(response.StatusCode), statusCode: (int)response.StatusCode).ExecuteAsync(context);
                return;
            }

            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static string Describe(HttpStatusCode status) => status switch
    {
        HttpStatusCode.RequestEntityTooLarge => "The file is larger than the Api accepts.",
        HttpStatusCode.Unauthorized => "Your session has ended. Sign in again.",
        HttpStatusCode.Forbidden => "Your role does not allow uploads.",
        HttpStatusCode.TooManyRequests => "Too many uploads at once; try again in a minute.",
        _ => $"The Api answered {(int)status}.",
    };

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "An upload could not be sent on to the Api")]
    private static partial void LogApiUnreachable(ILogger logger, Exception exception);
}

internal static class UploadEndpoint
{
    public static IEndpointRouteBuilder MapUploadEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(UploadProxy.Path, async (HttpContext context, IAntiforgery antiforgery, UploadProxy proxy) =>
        {
            if (!context.Request.HasFormContentType)
            {
                await Results.Problem(title: "Send the file as multipart/form-data.", statusCode: StatusCodes.Status415UnsupportedMediaType).ExecuteAsync(context);
                return;
            }

            if (!await antiforgery.IsRequestValidAsync(context))
            {
                await Results.Problem(title: "The page's form token is missing or stale; reload the page.", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
                return;
            }

            // The Api enforces its own upload limit (and answers 413); the Web server's default 30 MB cap would cut larger
            // files off mid-stream.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            {
                bodySize.MaxRequestBodySize = null;
            }

            await proxy.ForwardAsync(context);
        })
        .RequireAuthorization(WebPolicies.Analyst)
        .WithOrder(-1) // the upload page has the same path, and page endpoints take POST too (forms): this one wins
        .WithMetadata(new NoStatusCodePage()) // a script's 401/403 stays a status, not the not-found page
        .DisableAntiforgery(); // checked above from the request header, so the body stays unread and streams on
        return endpoints;
    }

    private sealed class NoStatusCodePage : Microsoft.AspNetCore.Http.Metadata.ISkipStatusCodePagesMetadata;
}
