using System.Runtime.ExceptionServices;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Jobs;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Jobs;

/// <summary>Something the Api does again and again, watched in one place: a <see cref="ScheduledJob"/> (retention,
/// training, ...) or a <see cref="LoopJob"/> (a mailbox, a watched folder, an IDS log tailer, the digest).</summary>
public interface IJob
{
    /// <summary>The job's name in the API and the UI, e.g. <c>retention</c> or <c>mailbox:rua</c>.</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>The interval between runs; zero when it has no schedule (it runs on demand only).</summary>
    TimeSpan Interval { get; }

    /// <summary>When it runs next; null when nothing is scheduled.</summary>
    DateTimeOffset? NextRunAt { get; }

    bool Running { get; }

    /// <summary>Runs it now (after the run in progress, if any) and answers the recorded run.</summary>
    Task<JobRunEntity> RunNowAsync(string trigger, CancellationToken cancellationToken);
}

/// <summary>Every job: the scheduled ones, and the loops the Api started.</summary>
public sealed class JobRegistry(
    IEnumerable<ScheduledJob> scheduled, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, ILogger<LoopJob> logger)
{
    private readonly Lock _lock = new();
    private readonly List<LoopJob> _loops = [];

    public IReadOnlyList<IJob> All
    {
        get
        {
            lock (_lock)
            {
                return [.. scheduled.Cast<IJob>().Concat(_loops).OrderBy(j => j.Name, StringComparer.Ordinal)];
            }
        }
    }

    public IJob? Find(string name) => All.FirstOrDefault(j => j.Name == name);

    /// <summary>A new loop job, listed from now on.</summary>
    public LoopJob AddLoop(string name, string description, TimeSpan interval)
    {
        var loop = new LoopJob(name, description, interval, contexts, clock, logger);
        lock (_lock)
        {
            _loops.Add(loop);
        }

        return loop;
    }

    /// <summary>Stops listing a loop whose work ended (a mailbox removed or changed).</summary>
    public void RemoveLoop(LoopJob loop)
    {
        lock (_lock)
        {
            _loops.Remove(loop);
        }
    }
}

/// <summary>Records runs in <c>job_runs</c>: each with its trigger, start, end, outcome, and what it did or why it failed;
/// the newest <see cref="KeptRuns"/> per job are kept.</summary>
public static class JobRuns
{
    public const int KeptRuns = 500;

    /// <summary>Runs <paramref name="work"/> as a run of <paramref name="job"/>; a failure is recorded, not thrown
    /// (except cancellation by <paramref name="cancellationToken"/>).</summary>
    public static async Task<JobRunEntity> RecordAsync(
        IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, string job, string trigger, Func<CancellationToken, Task<string>> work,
        Action<Exception> failed, CancellationToken cancellationToken)
    {
        var run = new JobRunEntity { Job = job, Trigger = trigger, StartedAt = clock.GetUtcNow(), Outcome = JobOutcome.Running };
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.JobRuns.Add(run);
            await db.SaveChangesAsync(cancellationToken);
        }

        try
        {
            run.Summary = await work(cancellationToken);
            run.Outcome = JobOutcome.Succeeded;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            run.Outcome = JobOutcome.Failed;
            run.Error = e.Message;
            failed(e);
        }
        finally
        {
            run.FinishedAt = clock.GetUtcNow();
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            if (run.Outcome == JobOutcome.Running)
            {
                // Stopped with the Api: the run ends, not as a failure of the job.
                run.Outcome = JobOutcome.Failed;
                run.Error = "Stopped with the Api.";
            }

            db.JobRuns.Update(run);
            await db.SaveChangesAsync(CancellationToken.None);
            var keepFrom = await db.JobRuns.Where(r => r.Job == job).OrderByDescending(r => r.Id).Skip(KeptRuns).Select(r => (long?)r.Id)
                .FirstOrDefaultAsync(CancellationToken.None);
            if (keepFrom is { } oldest)
            {
                await db.JobRuns.Where(r => r.Job == job && r.Id <= oldest).ExecuteDeleteAsync(CancellationToken.None);
            }
        }

        return run;
    }
}

/// <summary>
/// A job that runs in a loop of its own (a mailbox reader, a watched folder, an IDS log tailer): the loop waits with
/// <see cref="WaitAsync"/> (or, for a wait of its own such as IMAP IDLE, watches <see cref="WakeToken"/>) and records
/// each pass with <see cref="RecordAsync"/>; "run now" wakes it and answers the pass it then makes.
/// </summary>
public sealed partial class LoopJob(string name, string description, TimeSpan interval, IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, ILogger logger)
    : IJob
{
    private readonly Lock _lock = new();
    private CancellationTokenSource _wake = new();
    private string? _wakeTrigger;
    private TaskCompletionSource<JobRunEntity>? _asked;
    private int _running;

    public string Name => name;

    public string Description => description;

    public TimeSpan Interval => interval;

    public DateTimeOffset? NextRunAt { get; private set; }

    public bool Running => Volatile.Read(ref _running) == 1;

    /// <summary>Cancelled when someone asks for a run now.</summary>
    public CancellationToken WakeToken
    {
        get
        {
            lock (_lock)
            {
                return _wake.Token;
            }
        }
    }

    public Task<JobRunEntity> RunNowAsync(string trigger, CancellationToken cancellationToken)
    {
        Task<JobRunEntity> next;
        lock (_lock)
        {
            _asked ??= new TaskCompletionSource<JobRunEntity>(TaskCreationOptions.RunContinuationsAsynchronously);
            _wakeTrigger ??= trigger;
            next = _asked.Task;
            _wake.Cancel();
        }

        return next.WaitAsync(cancellationToken);
    }

    /// <summary>True once someone asked for a run now, until the loop's next pass.</summary>
    public bool Woken => WakeToken.IsCancellationRequested;

    /// <summary>Waits <paramref name="wait"/>, or less when someone asks for a run now; the next run is expected then, or
    /// at <paramref name="next"/> for a loop that wakes to look before it runs.</summary>
    public async Task WaitAsync(TimeSpan wait, CancellationToken stopping, DateTimeOffset? next = null)
    {
        NextRunAt = next ?? clock.GetUtcNow() + wait;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, WakeToken);
        try
        {
            await Task.Delay(wait, clock, both.Token);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // Woken: run now.
        }
    }

    /// <summary>Says when the loop will run next, for a wait it does itself.</summary>
    public void Expect(TimeSpan wait) => NextRunAt = clock.GetUtcNow() + wait;

    /// <summary>Records one pass of the loop; its trigger is the one who woke it, else <paramref name="trigger"/>. A
    /// failure is recorded and thrown on, for the loop to handle as it does.</summary>
    public async Task<JobRunEntity> RecordAsync(string trigger, Func<CancellationToken, Task<string>> pass, CancellationToken stopping)
    {
        TaskCompletionSource<JobRunEntity>? asked;
        lock (_lock)
        {
            asked = _asked;
            trigger = _wakeTrigger ?? trigger;
            _asked = null;
            _wakeTrigger = null;
            if (_wake.IsCancellationRequested)
            {
                _wake.Dispose();
                _wake = new CancellationTokenSource();
            }
        }

        Volatile.Write(ref _running, 1);
        NextRunAt = null;
        Exception? failure = null;
        JobRunEntity run;
        try
        {
            run = await JobRuns.RecordAsync(contexts, clock, name, trigger, pass, e => failure = e, stopping);
        }
        catch (Exception e)
        {
            asked?.TrySetException(e);
            throw;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }

        asked?.TrySetResult(run);
        if (failure is not null)
        {
            LoopFailed(logger, failure, name);
            ExceptionDispatchInfo.Throw(failure);
        }

        return run;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A pass of {Job} failed; the loop handles it")]
    private static partial void LoopFailed(ILogger logger, Exception error, string job);
}
