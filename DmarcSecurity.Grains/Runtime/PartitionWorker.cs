using System.Data.Common;
using System.Diagnostics;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// Consumes one owned partition: takes a batch of inbox events, applies them to their grains and, in the same
/// transaction, writes the new states (version-checked), the outputs and the deletion of the events. Keeps the
/// partition's active grains in memory while it runs, so a hot grain costs no reload per batch; a cached grain is
/// only a shortcut, because a stale one fails the version check, is evicted and reloaded.
/// One worker runs one loop: nothing in here is shared between threads apart from the signal and the counters.
/// </summary>
internal sealed class PartitionWorker : IAsyncDisposable
{
    private static readonly TimeSpan s_maxWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);

    private readonly SiloServices _silo;
    private readonly Dictionary<GrainId, ActiveGrain> _grains = [];
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _abort;
    private readonly CancellationTokenSource _stop;
    private readonly TimeSpan _evictionCheck;
    private Task _run = Task.CompletedTask;
    private int _activeGrains;
    private DateTimeOffset _nextTickAt = DateTimeOffset.MaxValue;
    private DateTimeOffset _nextDueScanAt = DateTimeOffset.MinValue;
    private DateTimeOffset _nextEvictionAt;

    public PartitionWorker(int partition, SiloServices silo, CancellationToken crash)
    {
        Partition = partition;
        _silo = silo;
        _abort = CancellationTokenSource.CreateLinkedTokenSource(crash);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        var idle = silo.Options.IdleEviction;
        _evictionCheck = idle < TimeSpan.FromSeconds(40) ? idle / 4 : TimeSpan.FromSeconds(10);
        _nextEvictionAt = silo.Clock.GetUtcNow() + _evictionCheck;
    }

    public int Partition { get; }

    public int ActiveGrains => Volatile.Read(ref _activeGrains);

    public void Start() => _run = Task.Run(RunAsync);

    /// <summary>Wakes the worker: its partition has events.</summary>
    public void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Someone else signalled first; one wake-up is enough.
            }
            catch (ObjectDisposedException)
            {
                // The worker stopped between the poll and this call; a stopped worker needs no wake-up.
            }
        }
    }

    /// <summary>Stops after the batch in progress, which commits or rolls back as usual.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _run;
    }

    /// <summary>Stops at once: the batch in progress is cancelled and its transaction rolled back.</summary>
    public async Task AbortAsync()
    {
        await _abort.CancelAsync();
        await _run;
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync();
        _abort.Dispose();
        _stop.Dispose();
        _signal.Dispose();
    }

    private async Task RunAsync()
    {
        var stopping = _stop.Token;
        var abort = _abort.Token;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            int taken;
            try
            {
                taken = await ConsumeAsync(stopping, abort);
                if (taken == 0)
                {
                    await TickAsync(stopping, abort);
                }

                EvictIdle();
                failures = 0;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (GrainVersionConflictException)
            {
                _silo.Conflicted();
                GrainRuntimeLog.VersionConflict(_silo.Logger, Partition);
                // A little jitter, so two silos fighting over the same grains do not retry in lockstep.
                await DelayAsync(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 20)), stopping);
                continue;
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(s_maxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 16))));
                GrainRuntimeLog.BatchFailed(_silo.Logger, Partition, failures, delay, e);
                await DelayAsync(delay, stopping);
                continue;
            }

            if (taken > 0)
            {
                continue;
            }

            await WaitAsync(stopping);
        }

        _grains.Clear();
        Volatile.Write(ref _activeGrains, 0);
    }

    private async Task<int> ConsumeAsync(CancellationToken stopping, CancellationToken abort)
    {
        await _silo.Gate.WaitAsync(stopping);
        List<GrainId>? involved = null;
        try
        {
            var started = Stopwatch.GetTimestamp();
            await using var connection = await _silo.Connections.OpenAsync(abort);
            await using var transaction = await _silo.Storage.BeginAsync(connection, abort);
            var events = await _silo.Storage.TakeAsync(connection, transaction, Partition, _silo.GrainTypes, _silo.Options.BatchSize, abort);
            if (events.Count == 0)
            {
                return 0;
            }

            using var activity = GrainTelemetry.Source.StartActivity("grains.batch");
            activity?.SetTag("grains.partition", Partition);
            activity?.SetTag("grains.events", events.Count);

            var groups = new Dictionary<GrainId, List<InboxEvent>>();
            foreach (var e in events)
            {
                var id = new GrainId(e.GrainType, e.GrainKey);
                if (!groups.TryGetValue(id, out var list))
                {
                    groups[id] = list = [];
                }

                list.Add(e);
            }

            involved = [.. groups.Keys];
            var loaded = await LoadMissingAsync(connection, transaction, involved, abort);
            var now = _silo.Clock.GetUtcNow();
            var writes = new List<GrainWrite>(groups.Count);
            var outputs = new List<(string GrainType, string GrainKey, GrainOutput Output)>();
            var deadLetters = new List<GrainDeadLetterEntity>();
            foreach (var (id, list) in groups)
            {
                var current = _grains.TryGetValue(id, out var active)
                    ? new StoredGrain(active.Version, active.State)
                    : loaded.GetValueOrDefault(id);
                GrainUpdate update;
                try
                {
                    update = Run(id, () => _silo.Handlers[id.Type].Apply(id.Key, current.Version == 0 ? null : current.State, list, now));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Handlers are pure: the same events would fail again on every retry and stall the partition.
                    // They are set aside with the error, in this transaction; the grain keeps its state.
                    deadLetters.AddRange(list.Select(x => DeadLetter(x, e, now)));
                    continue;
                }

                writes.Add(new GrainWrite(id.Type, id.Key, current.Version, update.State));
                foreach (var output in update.Outputs)
                {
                    outputs.Add((id.Type, id.Key, output));
                }
            }

            if (deadLetters.Count > 0)
            {
                await using var db = DmarcDbContext.ForTransaction(connection, transaction);
                db.GrainDeadLetters.AddRange(deadLetters);
                await db.SaveChangesAsync(abort);
            }

            await CommitAsync(connection, transaction, writes, outputs, now, abort);
            foreach (var write in writes)
            {
                Remember(write, now, used: true);
            }

            activity?.SetTag("grains.grains", groups.Count);
            activity?.SetTag("grains.dead_letters", deadLetters.Count);
            _silo.Committed(events.Count, outputs.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return events.Count;
        }
        catch (Exception) when (involved is not null)
        {
            // Whatever went wrong (conflict, lost connection, commit with unknown outcome), the cached copies of these
            // grains may no longer match the database: the next batch reloads them.
            Forget(involved);
            throw;
        }
        finally
        {
            _silo.Gate.Release();
        }
    }

    private async Task TickAsync(CancellationToken stopping, CancellationToken abort)
    {
        var now = _silo.Clock.GetUtcNow();
        if (now >= _nextDueScanAt)
        {
            await ActivateDueAsync(now, abort);
        }

        if (now < _nextTickAt)
        {
            return;
        }

        // Ticks are pure, so they run before any transaction is opened: most return null and need no write at all.
        var writes = new List<GrainWrite>();
        var outputs = new List<(string GrainType, string GrainKey, GrainOutput Output)>();
        foreach (var (id, grain) in _grains)
        {
            if (grain.NextTick is not { } due || due > now || writes.Count >= _silo.Options.BatchSize)
            {
                continue;
            }

            var handler = _silo.Handlers[id.Type];
            grain.NextTick = now + handler.TickInterval!.Value;
            GrainUpdate? update;
            try
            {
                update = Run(id, () => handler.Tick(id.Key, grain.State, now));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Logged by Run; this grain's tick waits for its next interval, the partition's other grains tick on.
                continue;
            }

            if (update is not null)
            {
                writes.Add(new GrainWrite(id.Type, id.Key, grain.Version, update.State));
                foreach (var output in update.Outputs)
                {
                    outputs.Add((id.Type, id.Key, output));
                }
            }
        }

        _nextTickAt = _grains.Values.Select(g => g.NextTick ?? DateTimeOffset.MaxValue).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        if (writes.Count == 0)
        {
            return;
        }

        await _silo.Gate.WaitAsync(stopping);
        try
        {
            var started = Stopwatch.GetTimestamp();
            using var activity = GrainTelemetry.Source.StartActivity("grains.tick");
            activity?.SetTag("grains.partition", Partition);
            activity?.SetTag("grains.grains", writes.Count);
            await using var connection = await _silo.Connections.OpenAsync(abort);
            await using var transaction = await _silo.Storage.BeginAsync(connection, abort);
            await CommitAsync(connection, transaction, writes, outputs, now, abort);
            foreach (var write in writes)
            {
                Remember(write, now, used: false);
            }

            _silo.Committed(0, outputs.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception)
        {
            Forget(writes.Select(w => new GrainId(w.GrainType, w.GrainKey)));
            throw;
        }
        finally
        {
            _silo.Gate.Release();
        }
    }

    private async Task CommitAsync(
        DbConnection connection,
        DbTransaction transaction,
        List<GrainWrite> writes,
        List<(string GrainType, string GrainKey, GrainOutput Output)> outputs,
        DateTimeOffset now,
        CancellationToken abort)
    {
        await _silo.Storage.WriteAsync(connection, transaction, Partition, writes, now, abort);
        if (outputs.Count > 0 && _silo.OutputWriter is { } writer)
        {
            await writer.WriteAsync(connection, transaction, outputs, abort);
        }

        await transaction.CommitAsync(abort);
    }

    private async Task<Dictionary<GrainId, StoredGrain>> LoadMissingAsync(DbConnection connection, DbTransaction transaction, List<GrainId> ids, CancellationToken abort)
    {
        var loaded = new Dictionary<GrainId, StoredGrain>();
        foreach (var byType in ids.Where(id => !_grains.ContainsKey(id)).GroupBy(id => id.Type, StringComparer.Ordinal))
        {
            var states = new Dictionary<string, StoredGrain>(StringComparer.Ordinal);
            await _silo.Storage.LoadAsync(connection, transaction, byType.Key, [.. byType.Select(id => id.Key)], states, abort);
            foreach (var (key, stored) in states)
            {
                loaded[new GrainId(byType.Key, key)] = stored;
            }
        }

        return loaded;
    }

    private T Run<T>(GrainId id, Func<T> call)
    {
        try
        {
            var result = call();
            if (result is GrainUpdate { State: null })
            {
                throw new InvalidOperationException($"The {id.Type} handler returned an update without a state.");
            }

            return result;
        }
        catch (Exception e)
        {
            GrainRuntimeLog.HandlerFailed(_silo.Logger, Partition, id.Type, id.Key, e);
            throw;
        }
    }

    /// <summary>
    /// Brings into memory the stored grains whose periodic work is due — last written a whole tick interval ago or
    /// more — though no event has activated them (evicted when idle, or owned by another silo before). Without this a
    /// grain that hears nothing (a silent domain, a source that stopped sending) would never expire its decisions,
    /// reassess, or notice a reporter gap. Scans once per shortest tick interval, a batch at a time.
    /// </summary>
    private async Task ActivateDueAsync(DateTimeOffset now, CancellationToken abort)
    {
        var ticking = _silo.Handlers.Values.Where(h => h.TickInterval is not null).ToList();
        if (ticking.Count == 0)
        {
            _nextDueScanAt = DateTimeOffset.MaxValue;
            return;
        }

        await using var connection = await _silo.Connections.OpenAsync(abort);
        var full = false;
        foreach (var handler in ticking)
        {
            var due = await _silo.Storage.DueAsync(connection, Partition, handler.GrainType, now - handler.TickInterval!.Value, _silo.Options.BatchSize, abort);
            full |= due.Count == _silo.Options.BatchSize;
            foreach (var (key, stored) in due)
            {
                var id = new GrainId(handler.GrainType, key);
                if (!_grains.ContainsKey(id))
                {
                    _grains[id] = new ActiveGrain { State = stored.State, Version = stored.Version, NextTick = now, LastUsed = now };
                    _nextTickAt = now;
                }
            }
        }

        Volatile.Write(ref _activeGrains, _grains.Count);
        // A full batch means more may be due: look again at the next tick instead of a whole interval later.
        _nextDueScanAt = full ? now : now + ticking.Min(h => h.TickInterval!.Value);
    }

    private GrainDeadLetterEntity DeadLetter(InboxEvent e, Exception error, DateTimeOffset now) => new()
    {
        InboxId = e.Id,
        Partition = Partition,
        GrainType = e.GrainType,
        GrainKey = e.GrainKey,
        EventType = e.EventType,
        Payload = e.Payload,
        EnqueuedAt = e.EnqueuedAt,
        FailedAt = now,
        Error = Bounded($"{error.GetType().Name}: {error.Message}"),
    };

    private static string Bounded(string text) => text.Length > 4000 ? text[..4000] : text;

    private void Remember(GrainWrite write, DateTimeOffset now, bool used)
    {
        var id = new GrainId(write.GrainType, write.GrainKey);
        if (!_grains.TryGetValue(id, out var grain))
        {
            var interval = _silo.Handlers[id.Type].TickInterval;
            grain = new ActiveGrain { NextTick = interval is { } i ? now + i : null, LastUsed = now };
            _grains[id] = grain;
            if (grain.NextTick is { } next && next < _nextTickAt)
            {
                _nextTickAt = next;
            }
        }

        grain.State = write.State;
        grain.Version = write.ExpectedVersion + 1;
        if (used)
        {
            grain.LastUsed = now;
        }

        Volatile.Write(ref _activeGrains, _grains.Count);
    }

    private void Forget(IEnumerable<GrainId> ids)
    {
        foreach (var id in ids)
        {
            _grains.Remove(id);
        }

        Volatile.Write(ref _activeGrains, _grains.Count);
    }

    private void EvictIdle()
    {
        var now = _silo.Clock.GetUtcNow();
        if (now < _nextEvictionAt)
        {
            return;
        }

        _nextEvictionAt = now + _evictionCheck;
        var idleSince = now - _silo.Options.IdleEviction;
        Forget(_grains.Where(g => g.Value.LastUsed < idleSince).Select(g => g.Key).ToList());
    }

    private async Task WaitAsync(CancellationToken stopping)
    {
        var now = _silo.Clock.GetUtcNow();
        var until = _nextTickAt < _nextEvictionAt ? _nextTickAt : _nextEvictionAt;
        var wait = until - now;
        wait = wait < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : wait > s_maxWait ? s_maxWait : wait;
        try
        {
            await _signal.WaitAsync(wait, stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private readonly record struct GrainId(string Type, string Key);

    private sealed class ActiveGrain
    {
        public string State { get; set; } = "";

        public long Version { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public DateTimeOffset? NextTick { get; set; }
    }
}
