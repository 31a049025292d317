using System.Security.Claims;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Alerts;

public sealed record AlertDto(
    long Id, string Fingerprint, string RuleKey, string Severity, string GrainType, string GrainKey, string Title, string Detail,
    JsonElement Discriminators, AlertStatus Status, int Occurrences, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt,
    DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy)
{
    public static AlertDto From(AlertEntity a) => new(
        a.Id, a.Fingerprint, a.RuleKey, a.Severity, a.GrainType, a.GrainKey, a.Title, a.Detail, StoredJson.Parse(a.Discriminators),
        a.Status, a.Occurrences, a.FirstSeenAt, a.LastSeenAt, a.AcknowledgedAt, a.AcknowledgedBy, a.ResolvedAt, a.ResolvedBy);
}

public sealed record AlertHistoryDto(long Id, DateTimeOffset At, string Action, string? By, string? Comment);

public sealed record AlertDetailDto(AlertDto Alert, IReadOnlyList<AlertHistoryDto> History);

/// <summary>Alert filters: <c>status</c> (Open, Acknowledged, Resolved), <c>severity</c>, <c>rule</c> (key),
/// <c>grainType</c> (domain, source-ip), <c>key</c> (the domain or address), and <c>from</c>/<c>to</c> on the last occurrence.</summary>
public sealed record AlertFilterParameters(
    string? Status, string? Severity, string? Rule, string? GrainType, string? Key, DateTimeOffset? From, DateTimeOffset? To) : IValidatable
{
    internal static readonly string[] GrainTypeNames = [GrainTypes.Domain, GrainTypes.SourceIp];

    public void Validate(IDictionary<string, string[]> errors)
    {
        NamedValue.Validate(Status, "status", NamedValue.Of<AlertStatus>(), errors);
        NamedValue.Validate(Severity, "severity", NamedValue.Of<Severity>(), errors);
        NamedValue.Validate(GrainType, "grainType", GrainTypeNames, errors);
        DateRange.Validate(From, To, errors);
    }

    internal IQueryable<AlertEntity> Apply(IQueryable<AlertEntity> alerts)
    {
        if (NamedValue.Canonical(Status, NamedValue.Of<AlertStatus>()) is { } status)
        {
            var value = Enum.Parse<AlertStatus>(status);
            alerts = alerts.Where(a => a.Status == value);
        }

        if (NamedValue.Canonical(Severity, NamedValue.Of<Severity>()) is { } severity)
        {
            alerts = alerts.Where(a => a.Severity == severity);
        }

        if (!string.IsNullOrWhiteSpace(Rule))
        {
            var rule = Rule.Trim();
            alerts = alerts.Where(a => a.RuleKey == rule);
        }

        if (NamedValue.Canonical(GrainType, GrainTypeNames) is { } grainType)
        {
            alerts = alerts.Where(a => a.GrainType == grainType);
        }

        if (!string.IsNullOrWhiteSpace(Key))
        {
            // Grain keys are canonical addresses or lower-case domains.
            var key = Networks.TryParseAddress(Key, out var address, usualFormOnly: true) ? address.ToString() : DomainName.Normalise(Key);
            alerts = alerts.Where(a => a.GrainKey == key);
        }

        return alerts.Within(a => a.LastSeenAt, From, To);
    }
}

/// <summary>Alerts raised by the grains, and their lifecycle: open, acknowledged, resolved.</summary>
public static class AlertsApi
{
    internal static readonly SortOrder<AlertEntity> Sort = PagedQuery.Sort<AlertEntity>("-lastSeen",
        ("lastSeen", (q, d) => q.By(a => a.LastSeenAt, d)),
        ("firstSeen", (q, d) => q.By(a => a.FirstSeenAt, d)),
        ("occurrences", (q, d) => q.By(a => a.Occurrences, d)),
        ("severity", (q, d) => q.By(
            a => a.Severity == nameof(Severity.Critical) ? 4
                : a.Severity == nameof(Severity.High) ? 3
                : a.Severity == nameof(Severity.Medium) ? 2
                : a.Severity == nameof(Severity.Low) ? 1
                : 0,
            d)),
        ("id", (q, d) => q.By(a => a.Id, d)));

    public static WebApplicationBuilder AddAlerts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AlertService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/alerts").WithTags("Alerts").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListAlerts).WithName(nameof(ListAlerts))
            .WithSummary("List alerts; sort by lastSeen (default -lastSeen), firstSeen, occurrences or severity.");
        group.MapGet("/{id:long}", GetAlert).WithName(nameof(GetAlert)).WithSummary("One alert with its history.");
        group.MapPost("/{id:long}/acknowledge", AcknowledgeAlert).WithName(nameof(AcknowledgeAlert))
            .WithSummary("Acknowledge an open alert.").RequireAuthorization(Policies.Analyst);
        group.MapPost("/{id:long}/resolve", ResolveAlert).WithName(nameof(ResolveAlert))
            .WithSummary("Resolve an open or acknowledged alert; its grain forgets the fingerprint, so a recurrence opens a new alert.")
            .RequireAuthorization(Policies.Analyst);
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<AlertDto>>, ValidationProblem>> ListAlerts(
        [AsParameters] AlertFilterParameters filter,
        [AsParameters] PagingParameters paging,
        IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return TypedResults.Ok(await filter.Apply(db.Alerts).PageAsync(Sort, a => a.Id, paging.ToPageRequest(), AlertDto.From, cancellationToken));
    }

    public static async Task<Results<Ok<AlertDetailDto>, NotFound>> GetAlert(long id, AlertService alerts, CancellationToken cancellationToken) =>
        await alerts.GetAsync(id, cancellationToken) is { } alert ? TypedResults.Ok(alert) : TypedResults.NotFound();

    public static Task<Results<Ok<AlertDetailDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> AcknowledgeAlert(
        long id, CommentRequest? request, ClaimsPrincipal user, AlertService alerts, CancellationToken cancellationToken) =>
        Lifecycle.StepAsync(request, comment => alerts.AcknowledgeAsync(id, Actor.Of(user), comment, cancellationToken));

    public static Task<Results<Ok<AlertDetailDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> ResolveAlert(
        long id, CommentRequest? request, ClaimsPrincipal user, AlertService alerts, CancellationToken cancellationToken) =>
        Lifecycle.StepAsync(request, comment => alerts.ResolveAsync(id, Actor.Of(user), comment, cancellationToken));
}
