using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Identity;

namespace DmarcSecurity.Api.ApiKeys;

/// <summary><c>userId</c> creates a key for another user (Admin only); <c>role</c> lowers the key's role below its owner's.</summary>
public sealed record CreateApiKeyRequest(string? Name, UserRole? Role, DateTimeOffset? ExpiresAt, long? UserId);

/// <summary>API keys, sent as <c>X-Api-Key</c>. Any signed-in user manages their own; an Admin manages anyone's.</summary>
public static class ApiKeysApi
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/api-keys").WithTags("API keys").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListApiKeys).WithName(nameof(ListApiKeys))
            .WithSummary("The caller's keys; an Admin may pass userId, or all=true for every key.");
        group.MapPost("/", CreateApiKey).WithName(nameof(CreateApiKey)).WithSummary("Create a key; the key itself is returned only here.");
        group.MapDelete("/{id:long}", RevokeApiKey).WithName(nameof(RevokeApiKey)).WithSummary("Revoke a key.");
        return endpoints;
    }

    public static async Task<Results<Ok<IReadOnlyList<ApiKeyDto>>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> ListApiKeys(
        long? userId, bool? all, HttpContext context, ApiKeyService keys, CancellationToken cancellationToken) =>
        (await keys.ListAsync(context.User, userId, all ?? false, cancellationToken)).ToResult();

    public static async Task<Results<Ok<CreatedApiKey>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> CreateApiKey(
        CreateApiKeyRequest request, HttpContext context, ApiKeyService keys, CancellationToken cancellationToken) =>
        (await keys.CreateAsync(context.User, request.UserId, request.Name ?? "", request.Role, request.ExpiresAt, cancellationToken)).ToResult();

    public static async Task<Results<Ok<ApiKeyDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> RevokeApiKey(
        long id, HttpContext context, ApiKeyService keys, CancellationToken cancellationToken) =>
        (await keys.RevokeAsync(context.User, id, cancellationToken)).ToResult();
}
