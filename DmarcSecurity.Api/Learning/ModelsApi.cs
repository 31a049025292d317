using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
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
        builder.Services.AddHostedService<SeverityAdvisor>();
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

/// <summary>Records the active model's advice on new decisions every minute, and trains a new version weekly.</summary>
internal sealed partial class SeverityAdvisor(SeverityModels models, IOptionsMonitor<LearningOptions> options, TimeProvider clock, ILogger<SeverityAdvisor> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextTraining = options.CurrentValue.TrainInterval is { } first && first > TimeSpan.Zero ? clock.GetUtcNow() + first : (DateTimeOffset?)null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CurrentValue.AdviseInterval, clock, stoppingToken);
                if (nextTraining is { } due && clock.GetUtcNow() >= due)
                {
                    nextTraining = due + options.CurrentValue.TrainInterval;
                    var trained = await models.TrainAsync("schedule", stoppingToken);
                    if (trained.Value is { } model)
                    {
                        Trained(logger, model.Version, model.Metrics.Auc);
                    }
                    else
                    {
                        NotTrained(logger, trained.Message);
                    }
                }

                while (await models.AdviseAsync(500, stoppingToken) == 500)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Failed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Learned severity: weekly training made model {Version} (AUC {Auc:0.000}); an Admin activates it")]
    private static partial void Trained(ILogger logger, int version, double auc);

    [LoggerMessage(Level = LogLevel.Information, Message = "Learned severity: weekly training skipped: {Reason}")]
    private static partial void NotTrained(ILogger logger, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Learned severity: advising failed; it tries again at the next interval")]
    private static partial void Failed(ILogger logger, Exception error);
}
