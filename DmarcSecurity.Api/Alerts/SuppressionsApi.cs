using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Alerts;

public sealed record SuppressionDto(
    long Id, string Scope, string Value, DateTimeOffset Start, DateTimeOffset? End, string Reason, string CreatedBy, DateTimeOffset CreatedAt, bool Active)
{
    public static SuppressionDto From(SuppressionEntity s, DateTimeOffset now) =>
        new(s.Id, s.Scope, s.Value, s.Start, s.End, s.Reason, s.CreatedBy, s.CreatedAt, s.Start <= now && (s.End is null || now < s.End));
}

/// <summary><c>scope</c> Domain, Network or Rule; <c>value</c> the domain, the address or CIDR block, or an existing rule
/// key; <c>start</c> (default now, or unchanged on edit) and <c>end</c> (exclusive, optional: until removed).</summary>
public sealed record SuppressionRequest(string? Scope, string? Value, DateTimeOffset? Start, DateTimeOffset? End, string? Reason)
{
    /// <summary>The suppression as it will be stored (value in canonical form), or the problems naming each bad field.</summary>
    internal async Task<(SuppressionEntity? Values, ValidationProblem? Problem)> CheckAsync(
        DmarcDbContext db, DateTimeOffset defaultStart, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var scopes = NamedValue.Of<SuppressionScope>();
        var scope = NamedValue.Canonical(Scope, scopes);
        if (scope is null)
        {
            errors["scope"] = [NamedValue.Message("scope", scopes)];
        }

        var value = Value?.Trim() ?? "";
        if (value.Length == 0)
        {
            errors["value"] = ["value is required: the domain, the address or CIDR block, or the rule key."];
        }
        else if (scope == nameof(SuppressionScope.Network))
        {
            if (Networks.TryParse(value, out var network, usualFormOnly: true))
            {
                value = Networks.Canonical(network);
            }
            else
            {
                errors["value"] = [$"'{value}' is neither an IP address nor a CIDR block such as 192.0.2.0/24."];
            }
        }
        else if (scope == nameof(SuppressionScope.Domain))
        {
            if (DomainName.TryNormalise(value, out var domain))
            {
                value = domain;
            }
            else
            {
                errors["value"] = [$"'{value}' is not a domain name such as example.com."];
            }
        }
        else if (scope == nameof(SuppressionScope.Rule) && !await db.AlertRules.AnyAsync(r => r.Key == value, cancellationToken))
        {
            errors["value"] = [$"There is no alert rule '{value}'."];
        }

        var start = (Start ?? defaultStart).Stored();
        var end = End?.Stored();
        if (end is not null && end <= start)
        {
            errors["end"] = ["end must be later than start."];
        }

        var reason = TextField.Required(Reason, "reason", errors);

        return errors.Count > 0
            ? (null, TypedResults.ValidationProblem(errors))
            : (new SuppressionEntity { Scope = scope!, Value = value, Start = start, End = end, Reason = reason, CreatedBy = "" }, null);
    }
}

/// <summary><c>active</c>: true for suppressions in force now, false for those not (yet, or any more); <c>scope</c>.</summary>
public sealed record SuppressionFilterParameters(bool? Active, string? Scope) : IValidatable
{
    public void Validate(IDictionary<string, string[]> errors) => NamedValue.Validate(Scope, "scope", NamedValue.Of<SuppressionScope>(), errors);

    internal IQueryable<SuppressionEntity> Apply(IQueryable<SuppressionEntity> suppressions, DateTimeOffset now)
    {
        if (NamedValue.Canonical(Scope, NamedValue.Of<SuppressionScope>()) is { } scope)
        {
            suppressions = suppressions.Where(s => s.Scope == scope);
        }

        return Active switch
        {
            true => suppressions.Where(s => s.Start <= now && (s.End == null || s.End > now)),
            false => suppressions.Where(s => s.Start > now || (s.End != null && s.End <= now)),
            null => suppressions,
        };
    }
}

/// <summary>Windows during which matching alerts are not raised; the silo picks changes up at its next settings refresh.</summary>
public static class SuppressionsApi
{
    private static readonly SortOrder<SuppressionEntity> s_sort = PagedQuery.Sort<SuppressionEntity>("-start",
        ("start", (q, d) => q.By(s => s.Start, d)),
        ("end", (q, d) => q.By(s => s.End, d)),
        ("createdAt", (q, d) => q.By(s => s.CreatedAt, d)),
        ("id", (q, d) => q.By(s => s.Id, d)));

    public static IEndpointRouteBuilder MapSuppressionsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/suppressions").WithTags("Suppressions").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListSuppressions).WithName(nameof(ListSuppressions)).WithSummary("List suppressions, latest start first.");
        group.MapGet("/{id:long}", GetSuppression).WithName(nameof(GetSuppression)).WithSummary("One suppression.");
        group.MapPost("/", CreateSuppression).WithName(nameof(CreateSuppression))
            .WithSummary("Suppress alerts for a domain, a network or a rule, from start (default now) until end.")
            .RequireAuthorization(Policies.Analyst);
        group.MapPut("/{id:long}", UpdateSuppression).WithName(nameof(UpdateSuppression))
            .WithSummary("Replace a suppression's scope, value, window and reason.").RequireAuthorization(Policies.Analyst);
        group.MapDelete("/{id:long}", DeleteSuppression).WithName(nameof(DeleteSuppression))
            .WithSummary("Remove a suppression.").RequireAuthorization(Policies.Analyst);
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<SuppressionDto>>, ValidationProblem>> ListSuppressions(
        [AsParameters] SuppressionFilterParameters filter,
        [AsParameters] PagingParameters paging,
        IDbContextFactory<DmarcDbContext> contexts,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return TypedResults.Ok(await filter.Apply(db.Suppressions, now)
            .PageAsync(s_sort, s => s.Id, paging.ToPageRequest(), s => SuppressionDto.From(s, now), cancellationToken));
    }

    public static async Task<Results<Ok<SuppressionDto>, NotFound>> GetSuppression(
        long id, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Suppressions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken) is { } suppression
            ? TypedResults.Ok(SuppressionDto.From(suppression, clock.GetUtcNow()))
            : TypedResults.NotFound();
    }

    public static async Task<Results<Created<SuppressionDto>, ValidationProblem>> CreateSuppression(
        SuppressionRequest request, ClaimsPrincipal user, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.StoredNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var (suppression, problem) = await request.CheckAsync(db, now, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        suppression!.CreatedBy = Actor.Of(user);
        suppression.CreatedAt = now;
        db.Suppressions.Add(suppression);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/suppressions/{suppression.Id}", SuppressionDto.From(suppression, now));
    }

    public static async Task<Results<Ok<SuppressionDto>, NotFound, ValidationProblem>> UpdateSuppression(
        long id, SuppressionRequest request, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Suppressions.AsTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (existing is null)
        {
            return TypedResults.NotFound();
        }

        var (values, problem) = await request.CheckAsync(db, existing.Start, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        existing.Scope = values!.Scope;
        existing.Value = values.Value;
        existing.Start = values.Start;
        existing.End = values.End;
        existing.Reason = values.Reason;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(SuppressionDto.From(existing, clock.GetUtcNow()));
    }

    public static async Task<Results<NoContent, NotFound>> DeleteSuppression(
        long id, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Suppressions.Where(s => s.Id == id).DeleteAsync(cancellationToken);
    }
}
