using System.Diagnostics;
using System.Threading.Channels;
using DmarcSecurity.Data.Database;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// The grains' batching storage. Grain activations each ask for their own state and each hand in their own write;
/// underneath, the loads of many grains are one query, and the writes of many grains (new state, version check,
/// consumed inbox rows, outputs, dead letters) are one transaction: a group commit. A grain's call returns only once its
/// transaction has committed, so a grain never acts on a state the database does not have.
/// </summary>
internal sealed class GrainStorage : IAsyncDisposable
{
    private const int MaxLoadsPerQuery = 2000;

    private readonly DatabaseConnections _connections;
    private readonly IGrainStore _store;
    private readonly IGrainOutputWriter? _outputWriter;
    private readonly GrainRuntimeOptions _options;
    private readonly GrainTelemetry _telemetry;
    private readonly TimeProvider _clock;
    private readonly ILogger<GrainStorage> _logger;
    private readonly Channel<PendingWrite[]> _writes = Channel.CreateUnbounded<PendingWrite[]>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Channel<PendingLoad> _loads = Channel.CreateUnbounded<PendingLoad>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    public GrainStorage(
        DatabaseConnections connections,
        IGrainStore store,
        IEnumerable<IGrainOutputWriter> outputWriters,
        IOptions<GrainRuntimeOptions> options,
        GrainTelemetry telemetry,
        TimeProvider clock,
        ILogger<GrainStorage> logger)
    {
        _connections = connections;
        _store = store;
        var writers = outputWriters.ToList();
        _outputWriter = writers.Count <= 1
            ? writers.FirstOrDefault()
            : throw new InvalidOperationException("More than one IGrainOutputWriter is registered; the runtime writes outputs through one.");
        _options = options.Value;
        _telemetry = telemetry;
        _clock = clock;
        _logger = logger;
        for (var i = 0; i < store.MaxConcurrentCommits(_options.MaxConcurrentCommits); i++)
        {
            _loops.Add(Task.Run(CommitLoopAsync));
        }

        _loops.Add(Task.Run(LoadLoopAsync));
    }

    public IGrainStore Store => _store;

    public DatabaseConnections Connections => _connections;

    /// <summary>The grain's stored state, or null for a grain never written.</summary>
    public Task<StoredGrain?> LoadAsync(string grainType, string grainKey)
    {
        var pending = new PendingLoad(grainType, grainKey, new TaskCompletionSource<StoredGrain?>(TaskCreationOptions.RunContinuationsAsynchronously));
        return _loads.Writer.TryWrite(pending) ? pending.Done.Task : Task.FromException<StoredGrain?>(new ObjectDisposedException(nameof(GrainStorage)));
    }

    /// <summary>Completes once the write has committed; throws <see cref="GrainVersionConflictException"/> when the
    /// grain's stored version moved on or its inbox rows were applied by someone else (nothing of it was stored).</summary>
    public Task CommitAsync(GrainWrite write) => CommitAllAsync([write])[0];

    /// <summary>Many grains' writes handed in at once (a partition's batch): each commits or fails on its own, as if
    /// handed in one by one; the tasks answer for the writes in order.</summary>
    public IReadOnlyList<Task> CommitAllAsync(IReadOnlyList<GrainWrite> writes)
    {
        var pending = new PendingWrite[writes.Count];
        var done = new Task[writes.Count];
        for (var i = 0; i < pending.Length; i++)
        {
            pending[i] = new PendingWrite(writes[i], new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            done[i] = pending[i].Done.Task;
        }

        if (pending.Length > 0 && !_writes.Writer.TryWrite(pending))
        {
            Array.Fill(done, Task.FromException(new ObjectDisposedException(nameof(GrainStorage))));
        }

        return done;
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        _loads.Writer.TryComplete();
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task LoadLoopAsync()
    {
        var token = _stopping.Token;
        var batch = new List<PendingLoad>();
        try
        {
            while (await _loads.Reader.WaitToReadAsync(token))
            {
                batch.Clear();
                while (batch.Count < MaxLoadsPerQuery && _loads.Reader.TryRead(out var load))
                {
                    batch.Add(load);
                }

                try
                {
                    await using var connection = await _connections.OpenAsync(token);
                    foreach (var byType in batch.GroupBy(l => l.GrainType, StringComparer.Ordinal))
                    {
                        var found = new Dictionary<string, StoredGrain>(StringComparer.Ordinal);
                        await _store.LoadAsync(connection, byType.Key, [.. byType.Select(l => l.GrainKey).Distinct(StringComparer.Ordinal)], found, token);
                        foreach (var load in byType)
                        {
                            load.Done.TrySetResult(found.TryGetValue(load.GrainKey, out var stored) ? stored : null);
                        }
                    }
                }
                catch (Exception e)
                {
                    foreach (var load in batch)
                    {
                        load.Done.TrySetException(e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        while (_loads.Reader.TryRead(out var left))
        {
            left.Done.TrySetException(new ObjectDisposedException(nameof(GrainStorage)));
        }
    }

    private async Task CommitLoopAsync()
    {
        var token = _stopping.Token;
        try
        {
            while (await _writes.Reader.WaitToReadAsync(token))
            {
                var batch = new List<PendingWrite>();
                var events = 0;
                while ((batch.Count == 0 || _writes.Reader.TryPeek(out var next) && batch.Count + next.Length <= _options.MaxWritesPerCommit)
                       && _writes.Reader.TryRead(out var writes))
                {
                    batch.AddRange(writes);
                    events += writes.Sum(w => w.Write.Consumed.Count);
                }

                await CommitBatchAsync(batch, events, token);
            }
        }
        catch (OperationCanceledException)
        {
        }

        while (_writes.Reader.TryRead(out var left))
        {
            foreach (var write in left)
            {
                write.Done.TrySetException(new ObjectDisposedException(nameof(GrainStorage)));
            }
        }
    }

    private async Task CommitBatchAsync(List<PendingWrite> batch, int events, CancellationToken token)
    {
        // Failed writes are taken out and the rest committed again: a conflict of one grain never holds up the others.
        while (batch.Count > 0)
        {
            var started = Stopwatch.GetTimestamp();
            using var activity = GrainTelemetry.Source.StartActivity("grains.commit");
            activity?.SetTag("grains.writes", batch.Count);
            try
            {
                var now = _clock.GetUtcNow();
                var writes = batch.Select(p => p.Write).ToList();
                await using var connection = await _connections.OpenAsync(token);
                await using var transaction = await _store.BeginAsync(connection, token);
                var failed = await _store.WriteAsync(connection, transaction, writes, now, token);
                if (failed.Count > 0)
                {
                    await transaction.RollbackAsync(token);
                    var conflict = new GrainVersionConflictException(batch.Count, batch.Count - failed.Count);
                    foreach (var index in failed)
                    {
                        batch[index].Done.TrySetException(new GrainVersionConflictException(1, 0));
                        events -= batch[index].Write.Consumed.Count;
                        _telemetry.Conflicts.Add(1);
                    }

                    GrainRuntimeLog.WritesConflicted(_logger, failed.Count, batch.Count, conflict);
                    batch = [.. batch.Where((_, i) => !failed.Contains(i))];
                    continue;
                }

                var outputs = new List<(string GrainType, string GrainKey, GrainOutput Output)>();
                var deadLetters = new List<Data.Grains.GrainDeadLetterEntity>();
                foreach (var write in writes)
                {
                    outputs.AddRange(write.Outputs.Select(o => (write.GrainType, write.GrainKey, o)));
                    deadLetters.AddRange(write.DeadLetters);
                }

                if (outputs.Count > 0 && _outputWriter is { } writer)
                {
                    await writer.WriteAsync(connection, transaction, outputs, token);
                }

                if (deadLetters.Count > 0)
                {
                    await using var db = DmarcDbContext.ForTransaction(connection, transaction);
                    db.GrainDeadLetters.AddRange(deadLetters);
                    await db.SaveChangesAsync(token);
                }

                await transaction.CommitAsync(token);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetResult();
                }

                _telemetry.Committed(events, outputs.Count, batch.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
                return;
            }
            catch (Exception e)
            {
                // A conflict of the whole batch (deadlock), a lost connection, a commit with unknown outcome: every
                // grain of the batch reloads its state and its partition offers the events again.
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(e);
                }

                if (e is not OperationCanceledException)
                {
                    GrainRuntimeLog.CommitFailed(_logger, batch.Count, e);
                }

                return;
            }
        }
    }

    private sealed record PendingWrite(GrainWrite Write, TaskCompletionSource Done);

    private sealed record PendingLoad(string GrainType, string GrainKey, TaskCompletionSource<StoredGrain?> Done);
}
