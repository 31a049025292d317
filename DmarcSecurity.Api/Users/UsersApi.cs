using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Identity;

namespace DmarcSecurity.Api.Users;

public sealed record CreateUserRequest(string? Email, string? DisplayName, UserRole? Role, string? Password);

public sealed record ChangeRoleRequest(UserRole? Role);

public sealed record ResetPasswordRequest(string? Password);

/// <summary>User administration (Admin). There is no self-registration.</summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListUsers).WithName(nameof(ListUsers)).WithSummary("List users; sort by email (default), role, lastSignIn or created.");
        group.MapPost("/", CreateUser).WithName(nameof(CreateUser))
            .WithSummary("Create a user; without a password a one-time password is generated and returned once.");
        group.MapPut("/{id:long}/role", ChangeRole).WithName(nameof(ChangeRole)).WithSummary("Change a user's role.");
        group.MapPost("/{id:long}/disable", DisableUser).WithName(nameof(DisableUser))
            .WithSummary("Disable a user: their tokens and API keys stop working.");
        group.MapPost("/{id:long}/enable", EnableUser).WithName(nameof(EnableUser)).WithSummary("Enable a user again.");
        group.MapPost("/{id:long}/reset-password", ResetPassword).WithName(nameof(ResetPassword))
            .WithSummary("Set a new password (or generate a one-time one); the user must change it at next sign-in.");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<UserDto>>, ValidationProblem>> ListUsers(
        [AsParameters] PagingParameters paging, UserService users, CancellationToken cancellationToken)
    {
        if (Validation.Check(paging) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await users.ListAsync(paging.ToPageRequest(), cancellationToken));
    }

    public static async Task<Results<Ok<UserWithPassword>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> CreateUser(
        CreateUserRequest request, UserService users, CancellationToken cancellationToken) =>
        request.Email is null || request.Role is null
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["user"] = ["Give the e-mail and the role."] })
            : (await users.CreateAsync(request.Email, request.DisplayName, request.Role.Value, request.Password, cancellationToken)).ToResult();

    public static async Task<Results<Ok<UserDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> ChangeRole(
        long id, ChangeRoleRequest request, UserService users, CancellationToken cancellationToken) =>
        request.Role is null
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["Give the role: Viewer, Analyst or Admin."] })
            : (await users.SetRoleAsync(id, request.Role.Value, cancellationToken)).ToResult();

    public static async Task<Results<Ok<UserDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> DisableUser(
        long id, UserService users, CancellationToken cancellationToken) =>
        (await users.SetDisabledAsync(id, true, cancellationToken)).ToResult();

    public static async Task<Results<Ok<UserDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> EnableUser(
        long id, UserService users, CancellationToken cancellationToken) =>
        (await users.SetDisabledAsync(id, false, cancellationToken)).ToResult();

    public static async Task<Results<Ok<UserWithPassword>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> ResetPassword(
        long id, ResetPasswordRequest request, UserService users, CancellationToken cancellationToken) =>
        (await users.ResetPasswordAsync(id, request.Password, cancellationToken)).ToResult();
}
