using System.Globalization;
using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;

namespace DmarcSecurity.Api.Enforcement;

public sealed record CreateBouncerRequest(string? Name);

/// <summary>The decisions API remediation components speak (CrowdSec's Local API, the part bouncers use), and the
/// Admin's management of bouncer keys.</summary>
public static class BouncersApi
{
    /// <summary>Where remediation components expect the decisions API.</summary>
    public const string PathPrefix = "/v1";

    public static IEndpointRouteBuilder MapBouncersApi(this IEndpointRouteBuilder endpoints)
    {
        var stream = endpoints.MapGroup($"{PathPrefix}/decisions").WithTags("Bouncers").RequireAuthorization(Policies.Bouncer);
        stream.MapGet("/stream", PullDecisions).WithName(nameof(PullDecisions))
            .WithSummary("Blocks in force that are new to this bouncer, and those to delete; startup=true sends every block in force.");
        stream.MapGet("/", DecisionsForAddress).WithName(nameof(DecisionsForAddress))
            .WithSummary("The blocks in force that cover an address (ip=...); null when none.");

        var admin = endpoints.MapGroup("/api/bouncers").WithTags("Bouncers").RequireAuthorization(Policies.Admin);
        admin.MapGet("/", ListBouncers).WithName(nameof(ListBouncers)).WithSummary("Bouncers, declared and created, with their last pull.");
        admin.MapPost("/", CreateBouncer).WithName(nameof(CreateBouncer)).WithSummary("Create a bouncer key; the key is returned only here.");
        admin.MapDelete("/{id:long}", RevokeBouncer).WithName(nameof(RevokeBouncer)).WithSummary("Revoke a bouncer key.");
        return endpoints;
    }

    public static async Task<Ok<DecisionStreamResponse>> PullDecisions(
        bool? startup, ClaimsPrincipal bouncer, DecisionStream decisions, CancellationToken cancellationToken) =>
        TypedResults.Ok(await decisions.PullAsync(
            long.Parse(bouncer.FindFirstValue(BouncerAuthenticationHandler.BouncerIdClaim)!, CultureInfo.InvariantCulture), startup ?? false, cancellationToken));

    public static async Task<Results<Ok<IReadOnlyList<BouncerDecision>>, ContentHttpResult, ValidationProblem>> DecisionsForAddress(
        string? ip, DecisionStream decisions, CancellationToken cancellationToken)
    {
        if (!Networks.TryParseAddress(ip, out var address))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ip"] = ["Give an IP address: ip=203.0.113.9."] });
        }

        var covering = await decisions.ForAddressAsync(address, cancellationToken);
        // Bouncers read "no decision" as a JSON null, not an empty list.
        return covering.Count > 0 ? TypedResults.Ok(covering) : TypedResults.Content("null", "application/json");
    }

    public static async Task<Ok<IReadOnlyList<BouncerDto>>> ListBouncers(BouncerService bouncers, CancellationToken cancellationToken) =>
        TypedResults.Ok(await bouncers.ListAsync(cancellationToken));

    public static async Task<Results<Ok<CreatedBouncer>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> CreateBouncer(
        CreateBouncerRequest request, ClaimsPrincipal user, BouncerService bouncers, CancellationToken cancellationToken) =>
        (await bouncers.CreateAsync(request.Name, Actor.Of(user), cancellationToken)).ToResult();

    public static async Task<Results<Ok<BouncerDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> RevokeBouncer(
        long id, BouncerService bouncers, CancellationToken cancellationToken) =>
        (await bouncers.RevokeAsync(id, cancellationToken)).ToResult();
}
