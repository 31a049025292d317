using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DmarcSecurity.Cli.Tests.Infrastructure;

namespace DmarcSecurity.Cli.Tests;

public sealed class SimulateCommandTests(CliApi api) : IClassFixture<CliApi>
{
    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Simulate_stores_the_reports_and_the_hostile_sources_have_records_and_ids_alerts()
    {
        var run = await api.RunAsync("simulate", "--count", "6", "--seed", "20260301", "--ids", "--domain", "simulated.example", "--until", Today);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("6 files: 6 stored, 0 duplicate, 0 rejected.", run.Output);
        Assert.Contains("1 log: 1 stored, 0 duplicate, 0 rejected;", run.Output);
        var hostile = Regex.Matches(run.Output, @"│ ((?:203\.0\.113|198\.51\.100)\.\d+|2001:db8:[0-9a-f:]+)\s+│\s+(\d+) │\s+(\d+) │\s+(\d+) │")
            .Select(m => (Ip: m.Groups[1].Value, Alerts: int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.NotEmpty(hostile);
        Assert.Contains(hostile, h => h.Alerts > 0);

        using var client = api.Client();
        foreach (var (ip, alerts) in hostile)
        {
            using var source = JsonDocument.Parse(await client.GetStringAsync($"/api/sources/{ip}"));
            Assert.True(source.RootElement.GetProperty("recordCount").GetInt64() > 0, ip);
            Assert.Equal(alerts, source.RootElement.GetProperty("idsAlertCount").GetInt64());
            Assert.All(source.RootElement.GetProperty("records").EnumerateArray(),
                record => Assert.Equal(("fail", "fail"),
                    (record.GetProperty("dkimPolicyResult").GetString()!.ToLowerInvariant(), record.GetProperty("spfPolicyResult").GetString()!.ToLowerInvariant())));
        }
    }

    [Fact]
    public async Task Simulate_twice_with_the_same_seed_sends_duplicates()
    {
        string[] args = ["simulate", "--count", "3", "--seed", "99", "--domain", "again.example", "--until", Today];
        var first = await api.RunAsync(args);

        var second = await api.RunAsync(args);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("3 files: 3 stored, 0 duplicate, 0 rejected.", first.Output);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("3 files: 0 stored, 3 duplicate, 0 rejected.", second.Output);
    }

    [Fact]
    public async Task Simulate_with_a_share_out_of_range_is_a_usage_error()
    {
        var run = await api.RunAsync("simulate", "--count", "3", "--hostile-share", "1.5");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("dmarcsec: --hostile-share must be between 0 and 0.9.", run.Error.Trim());
    }
}
