using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Audit;

public sealed record AuditEntryDto(
    long Id, DateTimeOffset At, long? UserId, string? UserEmail, long? ApiKeyId, string Action, string? Target,
    string? ClientAddress, string Outcome, int? StatusCode, string? Detail)
{
    public static AuditEntryDto From(AuditEntryEntity a) =>
        new(a.Id, a.At, a.UserId, a.UserEmail, a.ApiKeyId, a.Action, a.Target, a.ClientAddress, a.Outcome, a.StatusCode, a.Detail);
}

/// <summary>Audit filters: <c>userId</c>, <c>email</c>, <c>action</c> (prefix, e.g. "auth." or "POST /api/users"),
/// <c>outcome</c> (success, failure, denied, locked), and the time range <c>from</c>/<c>to</c>.</summary>
public sealed record AuditFilterParameters(long? UserId, string? Email, string? Action, string? Outcome, DateTimeOffset? From, DateTimeOffset? To)
    : IValidatable
{
    public void Validate(IDictionary<string, string[]> errors) => DateRange.Validate(From, To, errors);
}

/// <summary>The audit trail (Admin): newest first unless <c>sort=at</c>.</summary>
public static class AuditApi
{
    /// <summary>Newest first unless <c>sort=at</c>.</summary>
    private static readonly SortOrder<AuditEntryEntity> s_sort = PagedQuery.Sort<AuditEntryEntity>("-at", ("at", (q, d) => q.By(a => a.At, d)));

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Policies.Admin)
            .MapGet("/", ListAudit).WithName(nameof(ListAudit)).WithSummary("Who did what, when, from where, and how it ended.");
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<AuditEntryDto>>, ValidationProblem>> ListAudit(
        [AsParameters] AuditFilterParameters filter,
        [AsParameters] PagingParameters paging,
        IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.AuditEntries.AsQueryable();
        if (filter.UserId is { } userId)
        {
            query = query.Where(a => a.UserId == userId);
        }

        if (!string.IsNullOrWhiteSpace(filter.Email))
        {
            var email = filter.Email.Trim().ToLowerInvariant();
            query = query.Where(a => a.UserEmail != null && a.UserEmail.ToLower() == email);
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            query = query.Where(a => a.Action.StartsWith(filter.Action));
        }

        if (!string.IsNullOrWhiteSpace(filter.Outcome))
        {
            query = query.Where(a => a.Outcome == filter.Outcome);
        }

        query = query.Within(a => a.At, filter.From, filter.To);

        return TypedResults.Ok(await query.PageAsync(s_sort, a => a.Id, paging.ToPageRequest(), AuditEntryDto.From, cancellationToken));
    }
}
