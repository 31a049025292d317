using DmarcSecurity.Api.Auth;
using Microsoft.AspNetCore.Diagnostics;

namespace DmarcSecurity.Api.Common;

internal static class ApiConventions
{
    public const string OpenApiDocumentPath = "/openapi/v1.json";
    public const string ApiPagePath = "api-docs";

    /// <summary>ProblemDetails for every error, enums as strings (and only the defined ones), the OpenAPI document.</summary>
    public static WebApplicationBuilder AddApiConventions(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new DefinedEnumConverter()));
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<SecuritySchemesTransformer>().AddSchemaTransformer(DefinedEnumConverter.DescribeAsync));
        return builder;
    }

    public static WebApplication UseApiConventions(this WebApplication app)
    {
        // First, so every answer carries them: errors, the API page and its assets included.
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi(OpenApiDocumentPath).AllowAnonymous();
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = ApiPagePath;
            o.SwaggerEndpoint(OpenApiDocumentPath, "DmarcSecurity API v1");
            o.DocumentTitle = "DmarcSecurity API";
            o.EnablePersistAuthorization();
        });
        return app;
    }
}

/// <summary>Maps exceptions to RFC 9457 problem details; never sends a stack trace to the client.</summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            // The query layer throws ArgumentException only for caller input it cannot use (an unknown sort field, a bad CIDR).
            ArgumentException e => (StatusCodes.Status400BadRequest, "Invalid request",
                e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)),
            BadHttpRequestException e => (e.StatusCode, "Invalid request", e.Message),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => (499, "Request cancelled", null),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred", null),
        };
        if (status >= 500)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
