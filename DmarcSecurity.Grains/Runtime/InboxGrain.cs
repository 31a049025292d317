using DmarcSecurity.Data.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// The Orleans grain around a plain behaviour (<see cref="IGrainHandler"/>): loads the state once per activation,
/// calls the behaviour, and hands the new state, its outputs and the consumed inbox rows to the batching storage,
/// waiting for the group commit before it believes its own new state. While it is in memory its partition hands it its
/// events; while it is not, the partition applies them through the same behaviour and storage without activating it.
/// Correctness does not rest on Orleans' single activation: a second writer (a partitioned silo, the partition beside
/// a grain just activated) finds its write refused by the version check, reloads and carries on.
/// </summary>
internal abstract class InboxGrain : Grain, IInboxGrain
{
    private readonly IEnumerable<IGrainHandler> _handlers;
    private readonly GrainStorage _storage;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private IGrainHandler _handler = null!;
    private string _key = "";
    private bool _loaded;
    private string? _state;
    private long _version;
    private DateTimeOffset _nextTick = DateTimeOffset.MaxValue;
    private IGrainTimer? _timer;
    private ActiveGrains _active = null!;

    protected InboxGrain(IEnumerable<IGrainHandler> handlers, GrainStorage storage, TimeProvider clock, ILogger logger)
    {
        _handlers = handlers;
        _storage = storage;
        _clock = clock;
        _logger = logger;
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var type = this.GetGrainId().Type.ToString()!;
        _handler = _handlers.FirstOrDefault(h => h.GrainType == type)
            ?? throw new InvalidOperationException($"No grain handler is registered for grain type '{type}'.");
        _key = this.GetPrimaryKeyString();
        _active = ServiceProvider.GetRequiredService<ActiveGrains>();
        _active.Add(this.GetGrainId());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _active.Remove(this.GetGrainId());
        return Task.CompletedTask;
    }

    public async Task ApplyAsync(InboxBatch inbox)
    {
        if (!_loaded)
        {
            (_state, _version, _loaded) = (inbox.StoredState, inbox.StoredVersion, true);
        }

        await CommitAsync(InboxApplication.Apply(_handler, _key, inbox.Partition, _version, _state, inbox.Events, _clock.GetUtcNow(), _logger));
    }

    public async Task TickAsync()
    {
        if (_handler.TickInterval is not { } interval)
        {
            return;
        }

        await EnsureLoadedAsync();
        var now = _clock.GetUtcNow();
        if (_timer is null)
        {
            // The partition's due scan found it due: from now on a grain timer ticks it while it stays active. Grains
            // that come and go between scans never need a timer (most sources are heard once and collected idle).
            StartTimer(now - interval, interval);
        }

        if (_state is null || now < _nextTick)
        {
            return;
        }

        _nextTick = now + interval;
        GrainUpdate? update;
        try
        {
            update = _handler.Tick(_key, _state, now);
        }
        catch (Exception e)
        {
            GrainRuntimeLog.TickFailed(_logger, _handler.GrainType, _key, e);
            return;
        }

        if (update is not null)
        {
            await CommitAsync(new GrainWrite(_handler.GrainType, _key, 0, _version, update.State, update.Outputs, [], []));
        }
    }

    private async Task CommitAsync(GrainWrite write)
    {
        try
        {
            await _storage.CommitAsync(write);
        }
        catch
        {
            // Refused, or an outcome nobody knows (a commit whose answer was lost): the stored state is the truth.
            _loaded = false;
            throw;
        }

        if (write.State is not null)
        {
            _state = write.State;
            _version = write.ExpectedVersion + 1;
        }
    }

    private async Task EnsureLoadedAsync()
    {
        if (_loaded)
        {
            return;
        }

        var stored = await _storage.LoadAsync(_handler.GrainType, _key);
        (_state, _version) = stored is { } s ? (s.State, s.Version) : (null, 0);
        _loaded = true;
    }

    private void StartTimer(DateTimeOffset now, TimeSpan interval)
    {
        _nextTick = now + interval;
        _timer?.Dispose();
        // KeepAlive off: an idle grain is still collected; when its next tick comes due the partition's scan wakes it.
        _timer = this.RegisterGrainTimer(static (grain, _) => grain.TickAsync(), this, new GrainTimerCreationOptions(interval, interval) { KeepAlive = false });
    }
}
