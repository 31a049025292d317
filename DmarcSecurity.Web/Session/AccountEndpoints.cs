namespace DmarcSecurity.Web.Session;

internal static class AccountEndpoints
{
    /// <summary>Sign-out is a POST with the antiforgery token (the sign-in page is a form of its own).</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/account/logout", async (HttpContext context, AccountService account, CancellationToken cancellationToken) =>
        {
            await account.SignOutAsync(context, cancellationToken);
            return TypedResults.LocalRedirect("/account/login");
        });
        return endpoints;
    }
}
