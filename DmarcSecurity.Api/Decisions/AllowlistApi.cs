using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Decisions;

public sealed record AllowlistEntryDto(long Id, string Network, string Reason, string CreatedBy, DateTimeOffset CreatedAt)
{
    public static AllowlistEntryDto From(AllowlistEntity a) => new(a.Id, a.Network, a.Reason, a.CreatedBy, a.CreatedAt);
}

/// <summary><c>network</c>: an address or a CIDR block, stored canonical (host bits cleared, a single address bare).
/// A block wider than /8 (IPv4) or /32 (IPv6), such as 0.0.0.0/0, would exempt a large part of the Internet from
/// blocking: it needs <c>confirmBroad: true</c>.</summary>
public sealed record AllowlistRequest(string? Network, string? Reason, bool ConfirmBroad = false) : IValidatable
{
    private const int NarrowestBroadIPv4 = 8;
    private const int NarrowestBroadIPv6 = 32;

    public string? CanonicalNetwork => Networks.TryParse(Network, out var network, usualFormOnly: true) ? Networks.Canonical(network) : null;

    public void Validate(IDictionary<string, string[]> errors)
    {
        if (!Networks.TryParse(Network, out var network, usualFormOnly: true))
        {
            errors["network"] = ["network must be an IP address or a CIDR block such as 192.0.2.0/24."];
        }
        else if (!ConfirmBroad && network.PrefixLength < (network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? NarrowestBroadIPv4 : NarrowestBroadIPv6))
        {
            errors["network"] = [$"{Networks.Canonical(network)} covers a large part of the Internet, which would never be blocked; " +
                "send confirmBroad: true if that is meant."];
        }

        TextField.Required(Reason, "reason", errors);
    }
}

/// <summary>Addresses and blocks never blocked: the silo records decisions about them as suppressed.</summary>
public static class AllowlistApi
{
    private static readonly SortOrder<AllowlistEntity> s_sort = PagedQuery.Sort<AllowlistEntity>("-createdAt",
        ("createdAt", (q, d) => q.By(a => a.CreatedAt, d)),
        ("network", (q, d) => q.By(a => a.Network, d)));

    public static IEndpointRouteBuilder MapAllowlistApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/allowlist").WithTags("Allowlist").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListAllowlist).WithName(nameof(ListAllowlist)).WithSummary("List allowlisted networks, newest first.");
        group.MapPost("/", AddToAllowlist).WithName(nameof(AddToAllowlist))
            .WithSummary("Allowlist an address or CIDR block; a network already listed is a conflict.").RequireAuthorization(Policies.Admin);
        group.MapDelete("/{id:long}", RemoveFromAllowlist).WithName(nameof(RemoveFromAllowlist))
            .WithSummary("Remove an allowlist entry.").RequireAuthorization(Policies.Admin);
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<AllowlistEntryDto>>, ValidationProblem>> ListAllowlist(
        [AsParameters] PagingParameters paging, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        if (Validation.Check(paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return TypedResults.Ok(await db.Allowlist.PageAsync(s_sort, a => a.Id, paging.ToPageRequest(), AllowlistEntryDto.From, cancellationToken));
    }

    public static async Task<Results<Created<AllowlistEntryDto>, ValidationProblem, ProblemHttpResult>> AddToAllowlist(
        AllowlistRequest request, ClaimsPrincipal user, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (Validation.Check(request) is { } problem)
        {
            return problem;
        }

        var network = request.CanonicalNetwork!;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Allowlist.AnyAsync(a => a.Network == network, cancellationToken))
        {
            return Duplicate(network);
        }

        var entry = new AllowlistEntity { Network = network, Reason = request.Reason!.Trim(), CreatedBy = Actor.Of(user), CreatedAt = clock.StoredNow() };
        db.Allowlist.Add(entry);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique index caught the same network added at the same moment.
            return Duplicate(network);
        }

        return TypedResults.Created($"/api/allowlist/{entry.Id}", AllowlistEntryDto.From(entry));
    }

    public static async Task<Results<NoContent, NotFound>> RemoveFromAllowlist(
        long id, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Allowlist.Where(a => a.Id == id).DeleteAsync(cancellationToken);
    }

    private static ProblemHttpResult Duplicate(string network) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: $"{network} is already on the allowlist.");
}
