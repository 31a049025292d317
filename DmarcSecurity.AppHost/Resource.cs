using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DmarcSecurity.AppHost;

internal enum ResourceState
{
    Starting,
    Healthy,
    Restarting,
    Exited,
}

/// <summary>
/// One child process (<c>dotnet &lt;dll&gt; --urls &lt;url&gt;</c>) with its environment. Its output lines are forwarded
/// with the prefix <c>[name]</c>. When it exits while the AppHost is not stopping it is started again after 1 s, 2 s,
/// 4 s ... (at most 30 s); a run that stayed up for a minute resets that delay.
/// </summary>
internal sealed class Resource(string name, string dll, Uri url, IReadOnlyDictionary<string, string> environment)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableRun = TimeSpan.FromMinutes(1);
    private const int SigTerm = 15;

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _firstHealthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;

    public string Name { get; } = name;

    public Uri Url { get; } = url;

    /// <summary>The URL without a trailing slash, as the services expect it (<c>http://127.0.0.1:PORT</c>).</summary>
    public string Address => Url.GetLeftPart(UriPartial.Authority);

    public ResourceState State { get; private set; } = ResourceState.Starting;

    public int? ProcessId { get; private set; }

    /// <summary>Completes the first time the resource answers its health check.</summary>
    public Task FirstHealthy => _firstHealthy.Task;

    public event Action<Resource>? StateChanged;

    /// <summary>Every line the process writes, standard output and error, without the prefix.</summary>
    public event Action<string>? OutputLine;

    /// <summary>The delay before the restart that follows the given number of consecutive crashes (1, 2, ...).</summary>
    public static TimeSpan Backoff(int crashes) =>
        TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Clamp(crashes, 1, 31) - 1)));

    /// <summary>Runs and restarts the process until <paramref name="stopping"/> is cancelled and the process has exited
    /// (<see cref="StopAsync"/> ends it).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var crashes = 0;
        while (Start(stopping) is { } process)
        {
            var pid = process.Id;
            var startedAt = Stopwatch.GetTimestamp();
            if (await Health.WaitUntilHealthyAsync(Url, process, stopping))
            {
                SetState(ResourceState.Healthy);
                _firstHealthy.TrySetResult();
            }

            await process.WaitForExitAsync(CancellationToken.None);
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            crashes = Stopwatch.GetElapsedTime(startedAt) >= StableRun ? 1 : crashes + 1;
            var delay = Backoff(crashes);
            Console.WriteLine($"[apphost] {Name} (pid {pid}) exited unexpectedly with code {process.ExitCode}; restarting in {delay.TotalSeconds:0} s (crash {crashes} in a row)");
            SetState(ResourceState.Restarting);
            try
            {
                await Task.Delay(delay, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        SetState(ResourceState.Exited);
    }

    /// <summary>Asks the running process to stop (SIGTERM), and kills it with its children when it has not exited
    /// within <paramref name="grace"/>. Call after cancelling the token given to <see cref="RunAsync"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
        }

        if (process is null || process.HasExited)
        {
            return;
        }

        if (OperatingSystem.IsWindows() || Kill(process.Id, SigTerm) != 0)
        {
            Kill(process);
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"[apphost] {Name} (pid {process.Id}) did not stop within {grace.TotalSeconds:0} s; killing it");
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>Kills the running process and its children at once: the last resort when the AppHost itself exits.</summary>
    public void Kill()
    {
        lock (_gate)
        {
            if (_process is { } process)
            {
                Kill(process);
            }
        }
    }

    private Process? Start(CancellationToken stopping)
    {
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", Address])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        Process process;
        lock (_gate)
        {
            // Checked under the lock StopAsync takes, so no process starts once stopping has begun.
            if (stopping.IsCancellationRequested)
            {
                return null;
            }

            process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Forward(e.Data, Console.Out);
            process.ErrorDataReceived += (_, e) => Forward(e.Data, Console.Error);
            process.Start();
            _process?.Dispose();
            _process = process;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ProcessId = process.Id;
        SetState(ResourceState.Starting);
        return process;
    }

    private void Forward(string? line, TextWriter writer)
    {
        if (line is null)
        {
            return;
        }

        writer.WriteLine($"[{Name}] {line}");
        OutputLine?.Invoke(line);
    }

    private void SetState(ResourceState state)
    {
        State = state;
        StateChanged?.Invoke(this);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited meanwhile.
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
