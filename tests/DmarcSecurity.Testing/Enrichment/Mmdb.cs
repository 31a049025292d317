using System.Diagnostics;
using System.Text.Json;

namespace DmarcSecurity.Testing.Enrichment;

/// <summary>One network of a test database and its record (maps, strings and numbers as MaxMind's layouts have them).</summary>
public sealed record MmdbNetwork(string Network, object Data);

/// <summary>
/// Test databases in MaxMind's format, written at test time by Debian's MaxMind::DB::Writer (package
/// libmaxmind-db-writer-perl) through <c>write-mmdb.pl</c>, and read back with <c>mmdblookup</c> (package mmdb-bin),
/// libmaxminddb's own reader, to check the platform's answers against.
/// </summary>
public static class Mmdb
{
    public const string Writer = "/usr/bin/perl";
    public const string Lookup = "/usr/bin/mmdblookup";

    /// <summary>Both tools are there (the test script installs them when missing).</summary>
    public static bool Available => s_available.Value;

    private static readonly Lazy<bool> s_available = new(() =>
        File.Exists(Lookup) && RunAsync(Writer, ["-MMaxMind::DB::Writer::Tree", "-e", "1"]).GetAwaiter().GetResult().Code == 0);

    /// <summary>Writes <paramref name="path"/> (atomically: a temporary file renamed over it).</summary>
    public static async Task WriteAsync(
        string path, string databaseType, int ipVersion, IEnumerable<MmdbNetwork> networks, IReadOnlyDictionary<string, string>? types = null,
        bool aliasIpv4 = true)
    {
        var spec = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(spec, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["ip_version"] = ipVersion,
            ["database_type"] = databaseType,
            ["record_size"] = 28,
            ["alias_ipv6_to_ipv4"] = ipVersion == 6 && aliasIpv4 ? 1 : 0,
            ["types"] = types ?? new Dictionary<string, string>(),
            ["networks"] = networks.Select(n => new Dictionary<string, object> { ["network"] = n.Network, ["data"] = n.Data }).ToList(),
        }));
        try
        {
            var script = Path.Combine(AppContext.BaseDirectory, "Enrichment", "write-mmdb.pl");
            var (code, output) = await RunAsync(Writer, [script, spec, path]);
            if (code != 0)
            {
                throw new InvalidOperationException($"write-mmdb.pl failed ({code}): {output}");
            }
        }
        finally
        {
            File.Delete(spec);
        }
    }

    /// <summary>What mmdblookup finds at <paramref name="lookupPath"/> for <paramref name="ip"/> (the value as text,
    /// without quotes and type), or null when it finds nothing there.</summary>
    public static async Task<string?> LookupAsync(string file, string ip, params string[] lookupPath)
    {
        var (code, output) = await RunAsync(Lookup, ["--file", file, "--ip", ip, .. lookupPath]);
        if (code != 0)
        {
            return null;
        }

        // mmdblookup prints the value and its type: `  "GB" <utf8_string>` or `  15169 <uint32>`.
        var line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.EndsWith('>'));
        if (line is null)
        {
            return null;
        }

        var value = line[..line.LastIndexOf('<')].Trim();
        return value.StartsWith('"') ? value.Trim('"') : value;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
