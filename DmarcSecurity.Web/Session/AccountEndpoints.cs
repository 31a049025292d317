using Microsoft.AspNetCore.Antiforgery;

namespace DmarcSecurity.Web.Session;

internal static class AccountEndpoints
{
    /// <summary>Sign-out is a POST with the antiforgery token (the sign-in page is a form of its own): another site cannot
    /// sign a user out.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/account/logout", async Task<IResult> (HttpContext context, IAntiforgery antiforgery, AccountService account, CancellationToken cancellationToken) =>
        {
            // Checked here: the antiforgery middleware checks only endpoints that bind a form, and this one binds nothing.
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.Problem(title: "The sign-out form's token is missing or stale; reload the page and sign out again.",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            await account.SignOutAsync(context, cancellationToken);
            return TypedResults.LocalRedirect("/account/login");
        });
        return endpoints;
    }
}
