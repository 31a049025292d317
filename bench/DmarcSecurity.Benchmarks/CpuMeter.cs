using System.Globalization;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// CPU time spent by the processes under test between two readings, from <c>/proc</c>: the named processes, and every
/// PostgreSQL server process (backends come and go with connection pools, so they are found by name at each reading).
/// </summary>
internal sealed class CpuMeter
{
    private static readonly double s_ticksPerSecond = 100;
    private readonly Dictionary<string, int[]> _named;
    private readonly Dictionary<string, long> _start;

    private CpuMeter(Dictionary<string, int[]> named)
    {
        _named = named;
        _start = Read();
    }

    /// <summary>Starts measuring; <paramref name="named"/> maps a label to the process ids it covers.</summary>
    public static CpuMeter Start(Dictionary<string, int[]> named) => new(named);

    /// <summary>CPU seconds per label since the start, PostgreSQL under "postgres".</summary>
    public Dictionary<string, double> Stop()
    {
        var end = Read();
        return end.ToDictionary(e => e.Key, e => (e.Value - _start.GetValueOrDefault(e.Key)) / s_ticksPerSecond);
    }

    /// <summary>
    /// Waits (up to 30 s) until the given processes use less than 5% of a core over half a second: an Api that has
    /// just ingested keeps compiling its hot methods in the background for seconds, which is not the silo's cost.
    /// </summary>
    public static async Task QuietAsync(int[] processes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var before = processes.Sum(p => Ticks(p));
            await Task.Delay(500);
            if ((processes.Sum(p => Ticks(p)) - before) / s_ticksPerSecond < 0.025)
            {
                return;
            }
        }
    }

    private Dictionary<string, long> Read()
    {
        var totals = _named.ToDictionary(n => n.Key, n => n.Value.Sum(p => Ticks(p)));
        // Backends that exited are counted too: the server process has reaped them, and its children's time holds theirs.
        totals["postgres"] = Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _) && Comm(d) == "postgres")
            .Sum(d => Ticks(int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture), withReapedChildren: true));
        return totals;
    }

    private static string? Comm(string directory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(directory, "comm")).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>User plus system time of one process, in clock ticks (fields 14 and 15 of /proc/PID/stat), and with
    /// <paramref name="withReapedChildren"/> that of its children that exited and were waited for (fields 16 and 17).</summary>
    private static long Ticks(int pid, bool withReapedChildren = false)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return withReapedChildren
                ? ticks + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)
                : ticks;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
