using System.Security.Claims;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Decisions;

public sealed record DecisionDto(
    Guid Id, string Ip, string Scope, string Cidr, string Action, string Severity, double Score, long TtlSeconds,
    DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string Origin, string Reason, bool Simulated, bool SuppressedByAllowlist,
    string? AllowlistReason, int RepeatOffences, Guid? Supersedes, ReviewStatus ReviewStatus, string? ReviewedBy,
    DateTimeOffset? ReviewedAt, string? ReviewComment)
{
    public static DecisionDto From(DecisionEntity d) => new(
        d.Id, d.Ip, d.Scope, d.Cidr, d.Action, d.Severity, d.Score, d.TtlSeconds, d.IssuedAt, d.ExpiresAt, d.Origin, d.Reason,
        d.Simulated, d.SuppressedByAllowlist, d.AllowlistReason, d.RepeatOffences, d.Supersedes, d.ReviewStatus, d.ReviewedBy,
        d.ReviewedAt, d.ReviewComment);
}

/// <param name="Breakdown">The score's five components (pattern, context, history, reputation, anomaly), each with
/// value, weight, contribution and inputs.</param>
/// <param name="LearnedSeverity">The active learned-severity model's advice, beside the rule-based severity (which it
/// changes only while an Admin lets it decide); null when no model is active or it has not advised on this decision yet.</param>
public sealed record DecisionDetailDto(DecisionDto Decision, JsonElement Breakdown, Learning.SeverityPredictionDto? LearnedSeverity);

/// <summary>Decision filters: <c>ip</c> (an address), <c>action</c> (None, Monitor, Reassess, Review, Block), <c>severity</c>,
/// <c>reviewStatus</c> (NotRequired, Pending, Approved, Dismissed), <c>simulated</c>, and <c>from</c>/<c>to</c> on issue time.</summary>
public sealed record DecisionFilterParameters(
    string? Ip, string? Action, string? Severity, string? ReviewStatus, bool? Simulated, DateTimeOffset? From, DateTimeOffset? To) : IValidatable
{
    public void Validate(IDictionary<string, string[]> errors)
    {
        if (!string.IsNullOrWhiteSpace(Ip) && !Networks.TryParseAddress(Ip, out _, usualFormOnly: true))
        {
            errors["ip"] = ["ip must be an IP address such as 192.0.2.1 or 2001:db8::1."];
        }

        NamedValue.Validate(Action, "action", NamedValue.Of<DecisionAction>(), errors);
        NamedValue.Validate(Severity, "severity", NamedValue.Of<Severity>(), errors);
        NamedValue.Validate(ReviewStatus, "reviewStatus", NamedValue.Of<Data.Decisions.ReviewStatus>(), errors);
        DateRange.Validate(From, To, errors);
    }

    internal IQueryable<DecisionEntity> Apply(IQueryable<DecisionEntity> decisions)
    {
        if (Networks.TryParseAddress(Ip, out var address, usualFormOnly: true))
        {
            var ip = address.ToString();
            decisions = decisions.Where(d => d.Ip == ip);
        }

        if (NamedValue.Canonical(Action, NamedValue.Of<DecisionAction>()) is { } action)
        {
            decisions = decisions.Where(d => d.Action == action);
        }

        if (NamedValue.Canonical(Severity, NamedValue.Of<Severity>()) is { } severity)
        {
            decisions = decisions.Where(d => d.Severity == severity);
        }

        if (NamedValue.Canonical(ReviewStatus, NamedValue.Of<Data.Decisions.ReviewStatus>()) is { } reviewStatus)
        {
            var value = Enum.Parse<Data.Decisions.ReviewStatus>(reviewStatus);
            decisions = decisions.Where(d => d.ReviewStatus == value);
        }

        if (Simulated is { } simulated)
        {
            decisions = decisions.Where(d => d.Simulated == simulated);
        }

        return decisions.Within(d => d.IssuedAt, From, To);
    }
}

/// <summary>The source-IP grains' decisions, and the analyst's review of those that ask for one.</summary>
public static class DecisionsApi
{
    internal static readonly SortOrder<DecisionEntity> Sort = PagedQuery.Sort<DecisionEntity>("-issuedAt",
        ("issuedAt", (q, d) => q.By(x => x.IssuedAt, d)),
        ("expiresAt", (q, d) => q.By(x => x.ExpiresAt, d)),
        ("score", (q, d) => q.By(x => x.Score, d)));

    public static WebApplicationBuilder AddDecisions(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DecisionService>();
        builder.Services.AddSingleton<ManualDecisions>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDecisionsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/decisions").WithTags("Decisions").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListDecisions).WithName(nameof(ListDecisions))
            .WithSummary("List decisions; sort by issuedAt (default -issuedAt), expiresAt or score.");
        group.MapPost("/", DecideByHand).WithName(nameof(DecideByHand)).RequireAuthorization(Policies.Analyst)
            .WithSummary("Block an address for a while, or lift the blocks on it, by hand (bypassAllowlist: Admins only).");
        group.MapGet("/{id:guid}", GetDecision).WithName(nameof(GetDecision)).WithSummary("One decision with its score breakdown.");
        group.MapPost("/{id:guid}/approve", ApproveDecision).WithName(nameof(ApproveDecision))
            .WithSummary("Approve a decision pending review.").RequireAuthorization(Policies.Analyst);
        group.MapPost("/{id:guid}/dismiss", DismissDecision).WithName(nameof(DismissDecision))
            .WithSummary("Dismiss a decision pending review.").RequireAuthorization(Policies.Analyst);
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<DecisionDto>>, ValidationProblem>> ListDecisions(
        [AsParameters] DecisionFilterParameters filter,
        [AsParameters] PagingParameters paging,
        IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return TypedResults.Ok(await filter.Apply(db.Decisions).PageAsync(Sort, d => d.Id, paging.ToPageRequest(), DecisionDto.From, cancellationToken));
    }

    public static async Task<Results<Ok<ManualDecisionResult>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> DecideByHand(
        ManualDecisionRequest request, ClaimsPrincipal user, ManualDecisions decisions, CancellationToken cancellationToken) =>
        (await decisions.ApplyAsync(request, user, cancellationToken)).ToResult();

    public static async Task<Results<Ok<DecisionDetailDto>, NotFound>> GetDecision(Guid id, DecisionService decisions, CancellationToken cancellationToken) =>
        await decisions.GetAsync(id, cancellationToken) is { } decision ? TypedResults.Ok(decision) : TypedResults.NotFound();

    public static Task<Results<Ok<DecisionDetailDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> ApproveDecision(
        Guid id, CommentRequest? request, ClaimsPrincipal user, DecisionService decisions, CancellationToken cancellationToken) =>
        Lifecycle.StepAsync(request, comment => decisions.ReviewAsync(id, ReviewOutcome.Approved, Actor.Of(user), comment, cancellationToken));

    public static Task<Results<Ok<DecisionDetailDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> DismissDecision(
        Guid id, CommentRequest? request, ClaimsPrincipal user, DecisionService decisions, CancellationToken cancellationToken) =>
        Lifecycle.StepAsync(request, comment => decisions.ReviewAsync(id, ReviewOutcome.Dismissed, Actor.Of(user), comment, cancellationToken));
}
