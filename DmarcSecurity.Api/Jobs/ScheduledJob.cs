using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Jobs;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Jobs;

/// <summary>
/// A job the Api runs on a schedule and an Admin can run now: one run at a time, each recorded in <c>job_runs</c>
/// (trigger, start, end, outcome, what it did or why it failed), so every job is watched in one place. A failed run
/// is tried again at the next interval; an interval of zero turns the schedule off (the job still runs on demand).
/// </summary>
public abstract partial class ScheduledJob(IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>Runs kept per job; older ones are pruned as new ones are recorded.</summary>
    public const int KeptRuns = 500;

    private readonly SemaphoreSlim _one = new(1, 1);

    protected IDbContextFactory<DmarcDbContext> Contexts { get; } = contexts;

    protected TimeProvider Clock { get; } = clock;

    /// <summary>The job's name in the API and the UI, e.g. <c>retention</c>.</summary>
    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>The current interval from configuration; zero when the schedule is off.</summary>
    public abstract TimeSpan Interval { get; }

    /// <summary>When the schedule runs it next; null while off.</summary>
    public DateTimeOffset? NextRunAt { get; private set; }

    public bool Running => _one.CurrentCount == 0;

    /// <summary>Does the work once and says what it did, in a sentence.</summary>
    protected abstract Task<string> RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>Runs the job now (after the run in progress, if any) and records it.</summary>
    public async Task<JobRunEntity> RunNowAsync(string trigger, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            var run = new JobRunEntity { Job = Name, Trigger = trigger, StartedAt = Clock.GetUtcNow(), Outcome = JobOutcome.Running };
            await using (var db = await Contexts.CreateDbContextAsync(cancellationToken))
            {
                db.JobRuns.Add(run);
                await db.SaveChangesAsync(cancellationToken);
            }

            try
            {
                run.Summary = await RunOnceAsync(cancellationToken);
                run.Outcome = JobOutcome.Succeeded;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                run.Outcome = JobOutcome.Failed;
                run.Error = e.Message;
                RunFailed(logger, e, Name);
            }

            run.FinishedAt = Clock.GetUtcNow();
            await using (var db = await Contexts.CreateDbContextAsync(CancellationToken.None))
            {
                db.JobRuns.Update(run);
                await db.SaveChangesAsync(CancellationToken.None);
                var keepFrom = await db.JobRuns.Where(r => r.Job == Name).OrderByDescending(r => r.Id).Skip(KeptRuns).Select(r => (long?)r.Id)
                    .FirstOrDefaultAsync(CancellationToken.None);
                if (keepFrom is { } oldest)
                {
                    await db.JobRuns.Where(r => r.Job == Name && r.Id <= oldest).ExecuteDeleteAsync(CancellationToken.None);
                }
            }

            return run;
        }
        finally
        {
            _one.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = Interval;
            NextRunAt = interval > TimeSpan.Zero ? Clock.GetUtcNow() + interval : null;
            try
            {
                // While the schedule is off, look again now and then: the interval may be changed by configuration.
                await Task.Delay(interval > TimeSpan.Zero ? interval : TimeSpan.FromMinutes(1), Clock, stoppingToken);
                if (interval > TimeSpan.Zero)
                {
                    await RunNowAsync("schedule", stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The run was recorded as failed, or the database is down: the next interval tries again.
                RunFailed(logger, e, Name);
            }
        }
    }

    public override void Dispose()
    {
        _one.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} failed; it runs again at the next interval")]
    private static partial void RunFailed(ILogger logger, Exception error, string job);
}
