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
internal sealed class UploadProxy(IHttpClientFactory httpClientFactory, SessionStore sessions)
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
        using var http = httpClientFactory.CreateClient(Client);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString();
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
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
