using System.Collections.Concurrent;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// One silo: writes its heartbeat, takes its fair share of the partitions (ceil(P / live silos)) and runs a
/// <see cref="PartitionWorker"/> per owned partition. Partitions above the share are handed back, free ones taken;
/// a dead silo's partitions are free as soon as its lease session ends and are taken at the next heartbeat.
/// </summary>
public sealed class GrainSilo : BackgroundService
{
    private static readonly TimeSpan s_leaveTimeout = TimeSpan.FromSeconds(10);

    private readonly GrainPartitions _partitions;
    private readonly IPartitionLeases _leases;
    private readonly SiloServices _silo;
    private readonly ILogger<GrainSilo> _logger;
    private readonly ConcurrentDictionary<int, PartitionWorker> _workers = new();
    private readonly CancellationTokenSource _crash = new();
    private readonly DateTimeOffset _startedAt;
    private readonly int _offset;
    private bool _crashed;
    private long _lastApplied;
    private DateTimeOffset _lastBeatAt;

    internal GrainSilo(
        DatabaseConnections connections,
        GrainPartitions partitions,
        IEnumerable<IGrainHandler> handlers,
        IEnumerable<IGrainOutputWriter> outputWriters,
        IGrainStorage storage,
        IPartitionLeases leases,
        IOptions<GrainRuntimeOptions> options,
        GrainTelemetry telemetry,
        TimeProvider clock,
        ILogger<GrainSilo> logger)
    {
        _partitions = partitions;
        _leases = leases;
        _logger = logger;
        var byType = new Dictionary<string, IGrainHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            if (!byType.TryAdd(handler.GrainType, handler))
            {
                throw new InvalidOperationException($"Two grain handlers are registered for grain type '{handler.GrainType}'.");
            }
        }

        var writers = outputWriters.ToList();
        if (writers.Count > 1)
        {
            throw new InvalidOperationException("More than one IGrainOutputWriter is registered; the runtime writes outputs through one.");
        }

        _silo = new SiloServices(connections, storage, byType, writers.FirstOrDefault(), options.Value, telemetry, clock, logger);
        _startedAt = _lastBeatAt = clock.GetUtcNow();
        SiloId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        // Silos start their search for free partitions at different places, so they rarely race for the same one.
        _offset = (int)(GrainPartitioner.Fnv1a(System.Text.Encoding.UTF8.GetBytes(SiloId)) % 4096);

        telemetry.Meter.CreateObservableGauge("dmarc.grains.partitions.owned", () => _workers.Count, "{partition}", "Partitions this silo owns.");
        telemetry.Meter.CreateObservableGauge("dmarc.grains.active", () => ActiveGrains, "{grain}", "Grains held in memory by this silo.");
    }

    /// <summary>Host name, process id and a random suffix: unique even for several silos in one process.</summary>
    public string SiloId { get; }

    /// <summary>P, once the silo has read it from the database (0 before).</summary>
    public int PartitionCount { get; private set; }

    public IReadOnlyCollection<int> OwnedPartitions => [.. _workers.Keys.Order()];

    public int ActiveGrains => _workers.Values.Sum(w => w.ActiveGrains);

    /// <summary>Events this silo applied and committed since it started.</summary>
    public long EventsApplied => _silo.EventsApplied;

    /// <summary>Outputs committed since start (whether or not an <see cref="IGrainOutputWriter"/> stored them).</summary>
    public long OutputsProduced => _silo.Outputs;

    /// <summary>Batches rolled back because a grain's stored version had moved on.</summary>
    public long VersionConflicts => _silo.Conflicts;

    /// <summary>Stops the silo the way a crash would: in-flight batches are cancelled (rolled back), the lease session
    /// is closed without releasing anything first, and the heartbeat row is left to expire. For tests.</summary>
    internal async Task CrashAsync()
    {
        _crashed = true;
        await _crash.CancelAsync();
        if (ExecuteTask is { } running)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _crash.Token);
        var token = run.Token;
        var poll = Task.CompletedTask;
        var listen = Task.CompletedTask;
        try
        {
            PartitionCount = await ReadPartitionCountAsync(token);
            if (_silo.GrainTypes.Length == 0)
            {
                GrainRuntimeLog.NoHandlers(_logger, SiloId);
            }

            GrainRuntimeLog.SiloStarted(_logger, SiloId, PartitionCount, string.Join(", ", _silo.GrainTypes));
            poll = PollAsync(token);
            if (_silo.Connections.Provider == DatabaseProvider.PostgreSql)
            {
                listen = InboxListener.RunAsync(_silo.Connections, Wake, e => GrainRuntimeLog.ListenFailed(_logger, SiloId, e), _silo.Clock, token);
            }

            while (!token.IsCancellationRequested)
            {
                await BeatAsync(token);
                await Task.Delay(_silo.Options.HeartbeatInterval, _silo.Clock, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            await poll;
            await listen;
            await ShutDownAsync();
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _crash.Dispose();
        _silo.Dispose();
    }

    private async Task<int> ReadPartitionCountAsync(CancellationToken token)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _silo.Connections.OpenAsync(token);
                var count = await _partitions.GetAsync(connection, null, token);
                if (count != _silo.Options.Partitions)
                {
                    GrainRuntimeLog.PartitionCountDiffers(_logger, _silo.Options.Partitions, count);
                }

                return count;
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                // The database may not be up, or not migrated yet, when the silo starts before the Api.
                var delay = TimeSpan.FromSeconds(Math.Min(30, attempt * 2));
                GrainRuntimeLog.StartDelayed(_logger, SiloId, delay, e);
                await Task.Delay(delay, _silo.Clock, token);
            }
        }
    }

    private async Task BeatAsync(CancellationToken token)
    {
        try
        {
            var now = _silo.Clock.GetUtcNow();
            var snapshot = await _leases.HeartbeatAsync(Member(now), now - _silo.Options.MemberExpiry, token);
            var target = (PartitionCount + snapshot.LiveSilos - 1) / snapshot.LiveSilos;
            if (_workers.Count > target)
            {
                var released = _workers.Count - target;
                await ReleaseAsync(released, token);
                GrainRuntimeLog.Released(_logger, SiloId, released, _workers.Count, target, snapshot.LiveSilos);
            }
            else if (_workers.Count < target)
            {
                var acquired = await AcquireAsync(target, snapshot.HeldPartitions, token);
                if (acquired > 0)
                {
                    GrainRuntimeLog.Acquired(_logger, SiloId, acquired, _workers.Count, target, snapshot.LiveSilos);
                }
            }
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            // The lease session may be gone, and with it every lock: stop working the partitions until they are
            // acquired again. (Working them meanwhile would still be correct, only wasted.)
            GrainRuntimeLog.LeaseLost(_logger, SiloId, _workers.Count, e);
            await StopWorkersAsync([.. _workers.Keys], graceful: true);
            await _leases.AbandonAsync();
        }
    }

    private async Task<int> AcquireAsync(int target, IReadOnlySet<int> held, CancellationToken token)
    {
        var acquired = 0;
        for (var i = 0; i < PartitionCount && _workers.Count < target; i++)
        {
            var partition = (_offset + i) % PartitionCount;
            if (_workers.ContainsKey(partition) || held.Contains(partition))
            {
                continue;
            }

            if (await _leases.TryAcquireAsync(partition, token))
            {
                var worker = new PartitionWorker(partition, _silo, _crash.Token);
                _workers[partition] = worker;
                worker.Start();
                acquired++;
            }
        }

        return acquired;
    }

    private async Task ReleaseAsync(int count, CancellationToken token)
    {
        var released = _workers.Keys.OrderDescending().Take(count).ToList();
        await StopWorkersAsync(released, graceful: true);
        foreach (var partition in released)
        {
            await _leases.ReleaseAsync(partition, token);
        }
    }

    private async Task StopWorkersAsync(IReadOnlyList<int> partitions, bool graceful)
    {
        var stopping = new List<Task>();
        foreach (var partition in partitions)
        {
            if (_workers.TryRemove(partition, out var worker))
            {
                stopping.Add(Stop(worker));
            }
        }

        await Task.WhenAll(stopping);

        async Task Stop(PartitionWorker worker)
        {
            if (graceful)
            {
                await worker.StopAsync();
            }

            await worker.DisposeAsync();
        }
    }

    private void Wake(int partition)
    {
        if (_workers.TryGetValue(partition, out var worker))
        {
            worker.Signal();
        }
    }

    private async Task PollAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_silo.Options.PollInterval, _silo.Clock, token);
                var owned = _workers.Keys.ToArray();
                if (owned.Length == 0 || _silo.GrainTypes.Length == 0)
                {
                    continue;
                }

                await using var connection = await _silo.Connections.OpenAsync(token);
                foreach (var partition in await _silo.Storage.PartitionsWithWorkAsync(connection, owned, _silo.GrainTypes, token))
                {
                    Wake(partition);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                GrainRuntimeLog.PollFailed(_logger, SiloId, e);
            }
        }
    }

    private async Task ShutDownAsync()
    {
        if (_crashed)
        {
            // As abrupt as a crash can be made in-process: cancel the batches and drop the lease session at once.
            var workers = _workers.Values.ToList();
            _workers.Clear();
            var aborting = workers.Select(w => w.DisposeAsync().AsTask()).ToList();
            await _leases.AbandonAsync();
            await Task.WhenAll(aborting);
        }
        else
        {
            await StopWorkersAsync([.. _workers.Keys], graceful: true);
            using var timeout = new CancellationTokenSource(s_leaveTimeout);
            try
            {
                await _leases.LeaveAsync(SiloId, timeout.Token);
            }
            catch (Exception e)
            {
                GrainRuntimeLog.LeaseLost(_logger, SiloId, 0, e);
                await _leases.AbandonAsync();
            }
        }

        GrainRuntimeLog.SiloStopped(_logger, SiloId);
    }

    private SiloMemberEntity Member(DateTimeOffset now)
    {
        var applied = _silo.EventsApplied;
        var seconds = (now - _lastBeatAt).TotalSeconds;
        var rate = seconds > 0 ? (applied - _lastApplied) / seconds : 0;
        _lastApplied = applied;
        _lastBeatAt = now;
        return new SiloMemberEntity
        {
            SiloId = SiloId,
            HostName = Environment.MachineName,
            ProcessId = Environment.ProcessId,
            StartedAt = _startedAt,
            HeartbeatAt = now,
            OwnedPartitions = _workers.Count,
            ActiveGrains = ActiveGrains,
            EventsProcessed = applied,
            EventsPerSecond = Math.Round(rate, 1),
        };
    }
}
