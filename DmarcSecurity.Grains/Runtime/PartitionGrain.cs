using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// Pumps one inbox partition: reads its oldest events and the stored states of their grains, has each grain's events
/// applied in id order (by the grain if it is in memory on this silo, otherwise here; all of a batch in parallel and in
/// shared group commits), and reads on once they have committed. Kept active by every silo's <see cref="PartitionKeeper"/> and
/// placed by <see cref="PartitionPlacement"/>, so the partitions spread over the silos and a dead silo's come back
/// on the others as soon as Orleans' membership declares it dead. Also wakes, now and then, the stored grains whose
/// periodic work is due though nothing brought them into memory.
/// </summary>
[PartitionPlacement]
internal sealed class PartitionGrain : Grain, IPartitionGrain
{
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(10);

    private readonly GrainStorage _storage;
    private readonly IEnumerable<IGrainHandler> _handlers;
    private readonly ActiveGrains _active;
    private readonly GrainRuntimeOptions _options;
    private readonly IClusterMembershipService _membership;
    private readonly ILocalSiloDetails _silo;
    private readonly TimeProvider _clock;
    private readonly ILogger<PartitionGrain> _logger;
    private string[] _grainTypes = [];
    private Dictionary<string, IGrainHandler> _byType = [];
    private int _partition;
    private bool _leaving;
    private int _failures;
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;

    public PartitionGrain(
        GrainStorage storage,
        IEnumerable<IGrainHandler> handlers,
        ActiveGrains active,
        IOptions<GrainRuntimeOptions> options,
        IClusterMembershipService membership,
        ILocalSiloDetails silo,
        TimeProvider clock,
        ILogger<PartitionGrain> logger)
    {
        _storage = storage;
        _handlers = handlers;
        _active = active;
        _options = options.Value;
        _membership = membership;
        _silo = silo;
        _clock = clock;
        _logger = logger;
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _partition = (int)this.GetPrimaryKeyLong();
        _byType = _handlers.ToDictionary(h => h.GrainType, StringComparer.Ordinal);
        _grainTypes = [.. _byType.Keys.Order(StringComparer.Ordinal)];
        this.RegisterGrainTimer(static (grain, _) => grain.PumpAsync(), this, new GrainTimerCreationOptions(TimeSpan.Zero, _options.PollInterval));
        if (_handlers.Any(h => h.TickInterval is not null))
        {
            this.RegisterGrainTimer(static (grain, _) => grain.WakeDueAsync(), this, new GrainTimerCreationOptions(_options.DueScanInterval, _options.DueScanInterval));
        }

        GrainRuntimeLog.PartitionActivated(_logger, _partition, _silo.SiloAddress.ToString());
        return Task.CompletedTask;
    }

    public Task WakeAsync() => PumpAsync();

    public Task PingAsync()
    {
        var active = _membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        if (!_leaving && active.Count > 0 && PartitionPlacementDirector.Owner(_partition, active) is { } owner && !owner.Equals(_silo.SiloAddress))
        {
            // Another silo joined (or this one was placed while the view was incomplete): hand the partition over once
            // the batch in progress has committed. The next ping activates it where it belongs.
            _leaving = true;
            GrainRuntimeLog.PartitionMoving(_logger, _partition, owner.ToString(), _silo.SiloAddress.ToString());
            this.DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    private async Task PumpAsync()
    {
        if (_grainTypes.Length == 0 || _clock.GetUtcNow() < _retryAt)
        {
            return;
        }

        try
        {
            while (!_leaving)
            {
                List<InboxEvent> events;
                var stored = new Dictionary<(string Type, string Key), StoredGrain>();
                var groups = new Dictionary<(string Type, string Key), List<InboxEvent>>();
                await using (var connection = await _storage.Connections.OpenAsync(CancellationToken.None))
                {
                    events = await _storage.Store.PeekAsync(connection, _partition, _grainTypes, _options.BatchSize, CancellationToken.None);
                    foreach (var e in events)
                    {
                        if (!groups.TryGetValue((e.GrainType, e.GrainKey), out var list))
                        {
                            groups[(e.GrainType, e.GrainKey)] = list = [];
                        }

                        list.Add(e);
                    }

                    // The batch's stored states in one query per grain type, handed to the grains with their events.
                    foreach (var byType in groups.Keys.GroupBy(k => k.Type, StringComparer.Ordinal))
                    {
                        var found = new Dictionary<string, StoredGrain>(StringComparer.Ordinal);
                        await _storage.Store.LoadAsync(connection, byType.Key, [.. byType.Select(k => k.Key)], found, CancellationToken.None);
                        foreach (var (key, grain) in found)
                        {
                            stored[(byType.Key, key)] = grain;
                        }
                    }
                }

                if (events.Count == 0)
                {
                    return;
                }

                // A grain in memory here applies its events on the state it holds; the others (most sources are heard
                // once a day) are applied here on the state just read, through the same behaviour and group commit,
                // without an activation each.
                var now = _clock.GetUtcNow();
                var calls = new List<Task>();
                var writes = new List<GrainWrite>(groups.Count);
                foreach (var ((type, key), list) in groups)
                {
                    var (version, state) = stored.TryGetValue((type, key), out var s) ? (s.Version, s.State) : (0L, null);
                    var grain = GrainId.Create(type, key);
                    if (_active.Contains(grain))
                    {
                        calls.Add(GrainFactory.GetGrain<IInboxGrain>(grain).ApplyAsync(new InboxBatch(_partition, [.. list], version, state)));
                    }
                    else
                    {
                        writes.Add(InboxApplication.Apply(_byType[type], key, _partition, version, state, [.. list], now, _logger));
                    }
                }

                calls.AddRange(_storage.CommitAllAsync(writes));
                try
                {
                    await Task.WhenAll(calls);
                    _failures = 0;
                }
                catch (Exception e)
                {
                    // The grains that failed reloaded; their events are still in the inbox and are offered again after a
                    // pause (a conflict is over at once; a database that is down needs longer).
                    GrainRuntimeLog.PumpFailed(_logger, _partition, calls.Count(c => c.IsFaulted), calls.Count, Pause(), e);
                    return;
                }

                if (events.Count < _options.BatchSize)
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // The database is out of reach or refused the read: no event was taken; the next tick after the pause
            // tries again (a timer callback that threw would be retried, and logged, at every poll).
            GrainRuntimeLog.ReadFailed(_logger, _partition, Pause(), e);
        }
    }

    /// <summary>Backs the pump off after a failure: 100 ms, doubling, at most <see cref="s_maxBackoff"/>.</summary>
    private TimeSpan Pause()
    {
        _failures++;
        var delay = TimeSpan.FromMilliseconds(Math.Min(s_maxBackoff.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(_failures, 10))));
        _retryAt = _clock.GetUtcNow() + delay;
        return delay;
    }

    /// <summary>Grains last written a whole tick interval ago or more are due; those not in memory have no timer, so
    /// they are woken here (a grain already active ignores the call until its own tick is due).</summary>
    private async Task WakeDueAsync()
    {
        if (_leaving)
        {
            return;
        }

        try
        {
            var now = _clock.GetUtcNow();
            foreach (var handler in _handlers.Where(h => h.TickInterval is not null))
            {
                List<string> due;
                await using (var connection = await _storage.Connections.OpenAsync(CancellationToken.None))
                {
                    due = await _storage.Store.DueAsync(connection, _partition, handler.GrainType, now - handler.TickInterval!.Value, _options.BatchSize, CancellationToken.None);
                }

                await Task.WhenAll(due.Select(key => GrainFactory.GetGrain<IInboxGrain>(GrainId.Create(handler.GrainType, key)).TickAsync()));
            }
        }
        catch (Exception e)
        {
            GrainRuntimeLog.DueScanFailed(_logger, _partition, e);
        }
    }
}
