using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Learning;
using DmarcSecurity.Data.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Learning;

/// <summary>The learned-severity settings (section <c>Learning</c>).</summary>
public sealed class LearningOptions
{
    public const string SectionName = "Learning";

    /// <summary>How often a new model is trained on the verdicts so far (it is not activated by itself); zero turns the
    /// schedule off.</summary>
    public TimeSpan TrainInterval { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the active model's advice is recorded for decisions it has not seen.</summary>
    public TimeSpan AdviseInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <param name="DecisionId">Only this decision's advice (from every model that gave one).</param>
/// <param name="ModelVersion">Only this model's.</param>
public sealed record SeverityPredictionFilter(Guid? DecisionId, int? ModelVersion) : IValidatable
{
    public void Validate(IDictionary<string, string[]> errors)
    {
    }
}

public static class ModelsApi
{
    private static readonly SortOrder<SeverityPredictionEntity> s_sort = PagedQuery.Sort<SeverityPredictionEntity>("-predictedAt",
        ("predictedAt", (q, d) => q.By(p => p.PredictedAt, d)),
        ("probability", (q, d) => q.By(p => p.Probability, d)));

    public static WebApplicationBuilder AddSeverityModels(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LearningOptions>().BindConfiguration(LearningOptions.SectionName)
            .Validate(o => o.TrainInterval >= TimeSpan.Zero && o.AdviseInterval > TimeSpan.Zero,
                "Learning:TrainInterval must not be negative and Learning:AdviseInterval must be above 0.")
            .ValidateOnStart();
        builder.Services.AddSingleton<SeverityModels>();
        builder.Services.AddScheduledJob<SeverityTrainingJob>();
        builder.Services.AddScheduledJob<SeverityAdviceJob>();
        return builder;
    }

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/models/severity").WithTags("Learned severity").RequireAuthorization(Policies.Admin);
        group.MapPost("/train", TrainSeverityModel).WithName(nameof(TrainSeverityModel))
            .WithSummary("Train a new model version on the analysts' verdicts so far (at least 10 approved and 10 dismissed decisions); " +
                "it is measured on a held-out quarter and stored, not activated.");
        group.MapGet("/", ListSeverityModels).WithName(nameof(ListSeverityModels)).WithSummary("Every model version with its metrics, newest first.");
        group.MapPost("/{version:int}/activate", ActivateSeverityModel).WithName(nameof(ActivateSeverityModel))
            .WithSummary("Make this version the one whose advice is shown; activating an older one rolls back.");
        group.MapPost("/{version:int}/decides", SetSeverityModelDecides).WithName(nameof(SetSeverityModelDecides))
            .WithSummary("Let the active model decide ({\"enabled\": true}): a decision in force and unreviewed that it rates above the " +
                "rule-based severity is made again at its severity (never lower); {\"enabled\": false} returns it to advising only.");
        group.MapGet("/predictions", ListSeverityPredictions).WithName(nameof(ListSeverityPredictions))
            .WithSummary("The advice the models gave, newest first; filter by decisionId or modelVersion.");
        return endpoints;
    }

    public static async Task<Results<Ok<SeverityModelDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> TrainSeverityModel(
        ClaimsPrincipal user, SeverityModels models, CancellationToken cancellationToken) =>
        (await models.TrainAsync(Actor.Of(user), cancellationToken)).ToResult();

    public static async Task<Ok<IReadOnlyList<SeverityModelDto>>> ListSeverityModels(SeverityModels models, CancellationToken cancellationToken) =>
        TypedResults.Ok(await models.ListAsync(cancellationToken));

    public static async Task<Results<Ok<SeverityModelDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> ActivateSeverityModel(
        int version, ClaimsPrincipal user, SeverityModels models, CancellationToken cancellationToken) =>
        (await models.ActivateAsync(version, Actor.Of(user), cancellationToken)).ToResult();

    public static async Task<Results<Ok<SeverityModelDto>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> SetSeverityModelDecides(
        int version, SeverityModelDecidesRequest request, ClaimsPrincipal user, SeverityModels models, CancellationToken cancellationToken) =>
        (await models.SetDecidesAsync(version, request.Enabled, Actor.Of(user), cancellationToken)).ToResult();

    public static async Task<Results<Ok<PagedResult<SeverityPredictionDto>>, ValidationProblem>> ListSeverityPredictions(
        [AsParameters] SeverityPredictionFilter filter, [AsParameters] PagingParameters paging, IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.SeverityPredictions.AsNoTracking();
        if (filter.DecisionId is { } decision)
        {
            query = query.Where(p => p.DecisionId == decision);
        }

        if (filter.ModelVersion is { } version)
        {
            query = query.Where(p => p.ModelVersion == version);
        }

        return TypedResults.Ok(await query.PageAsync(s_sort, p => p.Id, paging.ToPageRequest(), SeverityPredictionDto.From, cancellationToken));
    }
}

/// <summary>Trains a new model version on the verdicts so far, weekly; an Admin activates it.</summary>
internal sealed class SeverityTrainingJob(
    SeverityModels models, IOptionsMonitor<LearningOptions> options, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock,
    ILogger<SeverityTrainingJob> logger) : ScheduledJob(contexts, clock, logger)
{
    public override string Name => "severity-training";

    public override string Description => "Trains a new learned-severity model on the analysts' verdicts (not activated: an Admin activates it).";

    public override TimeSpan Interval => options.CurrentValue.TrainInterval;

    protected override async Task<string> RunOnceAsync(CancellationToken cancellationToken)
    {
        var trained = await models.TrainAsync("schedule", cancellationToken);
        return trained.Value is { } m
            ? $"Model {m.Version} trained on {m.Examples} verdicts: AUC {m.Metrics.Auc:0.000} on {m.Metrics.TestedOn} held out."
            : $"Nothing trained: {trained.Message}";
    }
}

/// <summary>Records the active model's advice on the decisions it has not advised on yet.</summary>
internal sealed class SeverityAdviceJob(
    SeverityModels models, IOptionsMonitor<LearningOptions> options, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock,
    ILogger<SeverityAdviceJob> logger) : ScheduledJob(contexts, clock, logger)
{
    public override string Name => "severity-advice";

    public override string Description => "Records the active learned-severity model's advice for new decisions.";

    public override TimeSpan Interval => options.CurrentValue.AdviseInterval;

    protected override async Task<string> RunOnceAsync(CancellationToken cancellationToken)
    {
        int advised = 0, batch;
        while ((batch = await models.AdviseAsync(500, cancellationToken)) > 0)
        {
            advised += batch;
            if (batch < 500)
            {
                break;
            }
        }

        return $"Advised on {advised} decision(s).";
    }
}
