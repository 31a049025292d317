using DmarcSecurity.Data.Identity;
using Microsoft.AspNetCore.Routing;

namespace DmarcSecurity.Api.Auth;

/// <summary>Marks endpoints whose handler writes its own, more precise audit entries (sign-in, refresh).</summary>
public sealed class AuditedByHandlerAttribute : Attribute;

/// <summary>Records every state-changing request (POST, PUT, PATCH, DELETE) with who, what, target, when, from where
/// and how it ended — including requests refused by authentication or authorization. Bodies are never recorded.</summary>
internal sealed partial class AuditMiddleware(RequestDelegate next, AuditWriter audit, ILogger<AuditMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            || context.GetEndpoint()?.Metadata.GetMetadata<AuditedByHandlerAttribute>() is not null)
        {
            await next(context);
            return;
        }

        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            await WriteAsync(context, failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode);
        }
    }

    private async Task WriteAsync(HttpContext context, int status)
    {
        var endpoint = context.GetEndpoint() as RouteEndpoint;
        var route = endpoint?.RoutePattern.RawText ?? context.Request.Path.Value ?? "";
        var user = context.User;
        try
        {
            await audit.WriteAsync(new AuditEntryEntity
            {
                UserId = user.UserId(),
                UserEmail = user.Email(),
                ApiKeyId = user.ApiKeyId(),
                Action = $"{context.Request.Method} {route}",
                Target = TargetOf(context),
                ClientAddress = context.Connection.RemoteIpAddress?.ToString(),
                Outcome = status switch
                {
                    < 400 => AuditWriter.Success,
                    StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => AuditWriter.Denied,
                    _ => AuditWriter.Failure,
                },
                StatusCode = status,
            }, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The request has been answered; an audit store failure is logged loudly rather than hidden or rethrown.
            LogAuditFailed(logger, e, context.Request.Method, context.Request.Path);
        }
    }

    /// <summary>"users:12" for /api/users/{id}/..., "alert-rules:domain.new-source" for /api/alert-rules/{key},
    /// "notifications:soc" for /api/notifications/channels/{name}: the resource the path names and the route's
    /// identifying value, when it has one.</summary>
    private static string? TargetOf(HttpContext context)
    {
        var segments = context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var resource = segments.Length > 1 && segments[0] == "api" ? segments[1] : null;
        var id = (context.GetRouteValue("id") ?? context.GetRouteValue("key") ?? context.GetRouteValue("name"))?.ToString();
        return id is null ? resource : $"{resource}:{id}";
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Could not write the audit entry for {Method} {Path}")]
    private static partial void LogAuditFailed(ILogger logger, Exception exception, string method, string path);
}
