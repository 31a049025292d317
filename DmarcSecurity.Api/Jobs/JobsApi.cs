using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DmarcSecurity.Api.Jobs;

public sealed record JobRunDto(long Id, string Job, string Trigger, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, double? Seconds,
    JobOutcome Outcome, string? Summary, string? Error)
{
    public static JobRunDto From(JobRunEntity r) => new(r.Id, r.Job, r.Trigger, r.StartedAt, r.FinishedAt,
        r.FinishedAt is { } end ? (end - r.StartedAt).TotalSeconds : null, r.Outcome, r.Summary, r.Error);
}

/// <param name="Kind"><c>Scheduled</c>: runs on its interval; <c>Loop</c>: a reader that runs in a loop of its own (a
/// mailbox, a watched folder, an IDS log tailer), each pass recorded as a run.</param>
/// <param name="Interval">Null while the schedule is off (the job runs on demand only).</param>
/// <param name="FailuresInARow">Runs that failed since the last that succeeded: the retries so far.</param>
public sealed record JobDto(
    string Name, string Kind, string Description, TimeSpan? Interval, bool Running, DateTimeOffset? NextRunAt, JobRunDto? LastRun, int FailuresInARow,
    IReadOnlyList<JobRunDto> Recent);

/// <summary>The jobs in one place (the scheduled ones and the readers' loops): status, last and next run, duration,
/// failures in a row, history; an Admin runs one now.</summary>
public static class JobsApi
{
    private const int RecentRuns = 10;

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/jobs").WithTags("Scheduled jobs").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListJobs).WithName(nameof(ListJobs))
            .WithSummary("Every job (scheduled, and the mailbox, folder and IDS log readers' loops) with its status, last and next run and its latest runs.");
        group.MapGet("/{name}/runs", ListJobRuns).WithName(nameof(ListJobRuns)).WithSummary("A job's runs, newest first.");
        group.MapPost("/{name}/run", RunJob).WithName(nameof(RunJob))
            .WithSummary("Run a job now (after the run in progress, if any; a loop is woken and makes its next pass now); answers the run.");
        return endpoints;
    }

    public static async Task<Ok<List<JobDto>>> ListJobs(JobRegistry jobs, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var result = new List<JobDto>();
        foreach (var job in jobs.All)
        {
            var recent = await db.JobRuns.Where(r => r.Job == job.Name).OrderByDescending(r => r.Id).Take(RecentRuns).ToListAsync(cancellationToken);
            var lastSuccess = await db.JobRuns.Where(r => r.Job == job.Name && r.Outcome == JobOutcome.Succeeded)
                .OrderByDescending(r => r.Id).Select(r => (long?)r.Id).FirstOrDefaultAsync(cancellationToken) ?? 0;
            var failures = await db.JobRuns.CountAsync(r => r.Job == job.Name && r.Outcome == JobOutcome.Failed && r.Id > lastSuccess, cancellationToken);
            result.Add(new JobDto(job.Name, job is LoopJob ? "Loop" : "Scheduled", job.Description, job.Interval > TimeSpan.Zero ? job.Interval : null, job.Running, job.NextRunAt,
                recent.Select(JobRunDto.From).FirstOrDefault(), failures, [.. recent.Select(JobRunDto.From)]));
        }

        return TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<PagedResult<JobRunDto>>, NotFound, ValidationProblem>> ListJobRuns(
        string name, [AsParameters] PagingParameters paging, JobRegistry jobs, IDbContextFactory<DmarcDbContext> contexts,
        CancellationToken cancellationToken)
    {
        if (Validation.Check(paging) is { } problem)
        {
            return problem;
        }

        if (jobs.Find(name) is null)
        {
            return TypedResults.NotFound();
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var (page, size) = Data.Reports.Paging.Clamp(paging.ToPageRequest());
        var query = db.JobRuns.Where(r => r.Job == name);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(r => r.Id).Skip((page - 1) * size).Take(size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResult<JobRunDto>([.. items.Select(JobRunDto.From)], page, size, total));
    }

    public static async Task<Results<Ok<JobRunDto>, NotFound>> RunJob(
        string name, ClaimsPrincipal user, JobRegistry jobs, CancellationToken cancellationToken) =>
        jobs.Find(name) is { } job
            ? TypedResults.Ok(JobRunDto.From(await job.RunNowAsync($"manual:{Actor.Of(user)}", cancellationToken)))
            : TypedResults.NotFound();
}

internal static class ScheduledJobRegistration
{
    /// <summary>One instance of <typeparamref name="TJob"/>: run by the host, listed with the scheduled jobs, and
    /// injectable by its own type.</summary>
    public static IServiceCollection AddScheduledJob<TJob>(this IServiceCollection services)
        where TJob : ScheduledJob
    {
        services.TryAddSingleton<JobRegistry>();
        services.AddSingleton<TJob>();
        services.AddSingleton<ScheduledJob>(sp => sp.GetRequiredService<TJob>());
        services.AddHostedService(sp => sp.GetRequiredService<TJob>());
        return services;
    }
}
