using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using DmarcSecurity.Testing;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>One row of the resource table the AppHost prints.</summary>
internal sealed record ResourceRow(string Name, string State, int? Pid, Uri Url);

/// <summary>The built AppHost as a process with a temporary data folder (SQLite), its output parsed as it comes.</summary>
internal sealed partial class AppHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;
    private readonly List<string> _lines = [];

    private AppHostProcess(Process process, string dataDirectory)
    {
        _process = process;
        _dataDirectory = dataDirectory;
    }

    public static AppHostProcess Start(params string[] arguments)
    {
        var data = Directory.CreateTempSubdirectory("apphost-test-").FullName;
        var start = new ProcessStartInfo("dotnet", [HostProcess.ProjectDll("DmarcSecurity.AppHost"), "--data", data, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = new Process { StartInfo = start };
        var host = new AppHostProcess(process, data);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>The temporary folder given as <c>--data</c>.</summary>
    public string DataDirectory => _dataDirectory;

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    /// <summary>The one-time password of the first Admin, from the banner below the table.</summary>
    public string OneTimePassword => Lines().Select(l => PasswordLine().Match(l)).First(m => m.Success).Groups[1].Value;

    /// <summary>Every child PID the AppHost reported, in its tables and state lines.</summary>
    public IReadOnlySet<int> ReportedPids =>
        Tables().SelectMany(t => t).Select(r => r.Pid).OfType<int>()
            .Concat(Lines().Select(l => StateLine().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
            .ToHashSet();

    /// <summary>The first table printed from now or before that satisfies <paramref name="condition"/>.</summary>
    public async Task<IReadOnlyList<ResourceRow>> WaitForTableAsync(Func<IReadOnlyList<ResourceRow>, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (Tables().FirstOrDefault(condition) is { } table)
            {
                return table;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The AppHost exited with code {_process.ExitCode}:{Environment.NewLine}{Output}");
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No such resource table within {timeout.TotalSeconds} s:{Environment.NewLine}{Output}");
    }

    /// <summary>Sends SIGTERM (as a service manager or <c>docker stop</c> would) and returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Alive and not a zombie waiting for its parent.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A child still held a file; the temp folder is left behind.
        }
    }

    private List<string> Lines()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    private List<List<ResourceRow>> Tables()
    {
        var tables = new List<List<ResourceRow>>();
        List<ResourceRow>? current = null;
        foreach (var line in Lines())
        {
            if (line.StartsWith("RESOURCE ", StringComparison.Ordinal))
            {
                current = [];
            }
            else if (current is not null && line.StartsWith("---", StringComparison.Ordinal))
            {
                tables.Add(current);
                current = null;
            }
            else if (current is not null && Row().Match(line) is { Success: true } row)
            {
                current.Add(new ResourceRow(
                    row.Groups[1].Value,
                    row.Groups[2].Value,
                    int.TryParse(row.Groups[3].Value, CultureInfo.InvariantCulture, out var pid) ? pid : null,
                    new Uri(row.Groups[4].Value)));
            }
        }

        return tables;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }

    [GeneratedRegex(@"^(\S+)\s+(Healthy|Starting|Restarting|Exited)\s+(\d+|-)\s+(\w+://\S+)$")]
    private static partial Regex Row();

    [GeneratedRegex(@"^\s+One-time password:\s+(\S+)$")]
    private static partial Regex PasswordLine();

    [GeneratedRegex(@"^\[apphost\] \S+: \w+ \(pid (\d+),")]
    private static partial Regex StateLine();
}
