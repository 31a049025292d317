using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Jobs;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Jobs;

/// <summary>
/// A job the Api runs on a schedule and an Admin can run now: one run at a time, each recorded in <c>job_runs</c>
/// (trigger, start, end, outcome, what it did or why it failed), so every job is watched in one place. A failed run
/// is tried again at the next interval; an interval of zero turns the schedule off (the job still runs on demand).
/// </summary>
public abstract partial class ScheduledJob(IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, ILogger logger) : BackgroundService, IJob
{
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
    public Task<JobRunEntity> RunNowAsync(string trigger, CancellationToken cancellationToken) => OneAtATimeAsync(trigger, RunOnceAsync, cancellationToken);

    /// <summary>Runs <paramref name="work"/> as a run of this job, after the run in progress, if any, and records it: for a
    /// job that also answers a caller with more than the run's summary.</summary>
    protected async Task<JobRunEntity> OneAtATimeAsync(string trigger, Func<CancellationToken, Task<string>> work, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            return await JobRuns.RecordAsync(Contexts, Clock, Name, trigger, work, e => RunFailed(logger, e, Name), cancellationToken);
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
