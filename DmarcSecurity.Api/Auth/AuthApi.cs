using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Identity;

namespace DmarcSecurity.Api.Auth;

public sealed record LoginRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

/// <summary><c>keepApiKeys</c>: keep one's API keys working; by default they are revoked with the old password.</summary>
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword, bool KeepApiKeys = false);

public sealed record TokenResponse(
    string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, string TokenType = "Bearer");

public sealed record MeResponse(long Id, string Email, string DisplayName, UserRole Role, bool MustChangePassword, long? ApiKeyId);

public static class AuthApi
{
    public const string SignInFailedDetail =
        "Wrong e-mail or password, or the account is locked for a while after too many failed sign-ins.";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/auth").WithTags("Authentication");
        group.MapPost("/login", Login).WithName(nameof(Login)).AllowAnonymous().WithMetadata(new AuditedByHandlerAttribute())
            .WithSummary("Sign in with e-mail and password; returns an access token and a refresh token.");
        group.MapPost("/refresh", Refresh).WithName(nameof(Refresh)).AllowAnonymous().WithMetadata(new AuditedByHandlerAttribute())
            .WithSummary("Trade a refresh token for new tokens; each refresh token works once.");
        group.MapPost("/logout", Logout).WithName(nameof(Logout)).RequireAuthorization(Policies.SignedIn)
            .WithSummary("Revoke a refresh token and every token renewed from the same sign-in.");
        group.MapGet("/me", Me).WithName(nameof(Me)).RequireAuthorization(Policies.SignedIn)
            .WithSummary("Who the caller is.");
        group.MapPost("/change-password", ChangePassword).WithName(nameof(ChangePassword)).RequireAuthorization(Policies.SignedIn)
            .WithSummary("Change one's own password; signs out every session of the user.");
        return endpoints;
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest request, AuthService auth, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["credentials"] = ["Give an e-mail and a password."] });
        }

        var result = await auth.SignInAsync(request.Email, request.Password, context.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        return result.Status switch
        {
            SignInStatus.Success => TypedResults.Ok(ToResponse(result.Tokens!)),
            SignInStatus.Disabled => TypedResults.Problem("The account is disabled.", statusCode: StatusCodes.Status403Forbidden, title: "Account disabled"),
            // A locked account answers exactly as an unknown one (and as a wrong password), so the answer never tells
            // which e-mail addresses have accounts. The lockout is in the audit trail and on the Admin's user list.
            _ => TypedResults.Problem(SignInFailedDetail, statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed"),
        };
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Refresh(
        RefreshRequest request, AuthService auth, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["refreshToken"] = ["Give the refresh token."] });
        }

        return await auth.RefreshAsync(request.RefreshToken, context.Connection.RemoteIpAddress?.ToString(), cancellationToken) is { } pair
            ? TypedResults.Ok(ToResponse(pair))
            : TypedResults.Problem("The refresh token is unknown, expired or revoked; sign in again.", statusCode: StatusCodes.Status401Unauthorized, title: "Refresh failed");
    }

    public static async Task<Results<NoContent, ValidationProblem>> Logout(
        RefreshRequest request, AuthService auth, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["refreshToken"] = ["Give the refresh token to revoke."] });
        }

        await auth.SignOutAsync(context.User.UserId()!.Value, request.RefreshToken, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<MeResponse>, NotFound>> Me(HttpContext context, UserService users, CancellationToken cancellationToken) =>
        await users.GetAsync(context.User.UserId()!.Value, cancellationToken) is { } user
            ? TypedResults.Ok(new MeResponse(user.Id, user.Email, user.DisplayName, context.User.Role() ?? user.Role, user.MustChangePassword, context.User.ApiKeyId()))
            : TypedResults.NotFound();

    public static async Task<Results<NoContent, ValidationProblem>> ChangePassword(
        ChangePasswordRequest request, AuthService auth, HttpContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.CurrentPassword) || string.IsNullOrEmpty(request.NewPassword))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["password"] = ["Give the current and the new password."] });
        }

        return await auth.ChangePasswordAsync(
            context.User.UserId()!.Value, request.CurrentPassword, request.NewPassword, request.KeepApiKeys,
                context.Connection.RemoteIpAddress?.ToString(), cancellationToken) is { } problem
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["newPassword"] = [problem] })
            : TypedResults.NoContent();
    }

    private static TokenResponse ToResponse(TokenPair pair) =>
        new(pair.AccessToken, pair.AccessTokenExpiresAt, pair.RefreshToken, pair.RefreshTokenExpiresAt);
}
