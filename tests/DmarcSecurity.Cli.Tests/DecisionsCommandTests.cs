using System.Text.Json;
using DmarcSecurity.Cli.Decisions;
using DmarcSecurity.Cli.Tests.Infrastructure;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Cli.Tests;

public sealed class DecisionsCommandTests(CliApi api) : IClassFixture<CliApi>
{
    [Fact]
    public async Task Decisions_list_json_is_the_api_page_filtered_by_address()
    {
        await AddAsync(Decision("203.0.113.70", "Block", "High", 0.91), Decision("203.0.113.71", "Review", "Medium", 0.58));

        var run = await api.RunAsync("decisions", "list", "--ip", "203.0.113.70", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var page = JsonDocument.Parse(run.Output);
        var items = page.RootElement.GetProperty("items").EnumerateArray().ToList();
        var decision = Assert.Single(items);
        Assert.Equal(("203.0.113.70", "Block", "High", 0.91),
            (decision.GetProperty("ip").GetString(), decision.GetProperty("action").GetString(), decision.GetProperty("severity").GetString(),
             decision.GetProperty("score").GetDouble()));
        Assert.Equal(1, page.RootElement.GetProperty("totalCount").GetInt64());
    }

    [Fact]
    public async Task Decisions_list_shows_a_table_filtered_by_action_and_severity()
    {
        await AddAsync(Decision("198.51.100.200", "Review", "Critical", 0.97), Decision("198.51.100.201", "Monitor", "Critical", 0.4));

        var run = await api.RunAsync("decisions", "list", "--action", "Review", "--severity", "Critical", "--since", "1d");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"│ 198\.51\.100\.200\s+│ Review\s+│ Critical\s+│\s+0\.97 │ Pending\s+│", run.Output);
        Assert.DoesNotContain("198.51.100.201", run.Output);
        Assert.Contains("1 of 1 decision.", run.Output);
    }

    [Fact]
    public async Task Decisions_list_with_an_unknown_action_shows_the_apis_reason_on_one_line()
    {
        var run = await api.RunAsync("decisions", "list", "--action", "Obliterate");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("action", line);
        Assert.Contains("(400 Bad Request)", line);
        Assert.Equal("", run.Output);
    }

    [Theory]
    [InlineData("90m", "2026-03-01T10:30:00Z")]
    [InlineData("24h", "2026-02-28T12:00:00Z")]
    [InlineData("7d", "2026-02-22T12:00:00Z")]
    [InlineData("2026-02-01", "2026-02-01T00:00:00Z")]
    [InlineData("2026-02-01T08:00:00+02:00", "2026-02-01T06:00:00Z")]
    public void Since_takes_an_age_or_a_time(string since, string expected)
    {
        var now = DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DecisionsCommand.ParseSince(since, now));
    }

    [Fact]
    public async Task Decisions_list_with_a_since_that_is_neither_time_nor_age_exits_2()
    {
        var run = await api.RunAsync("decisions", "list", "--since", "last tuesday");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--since must be a time", run.Error);
    }

    private async Task AddAsync(params DecisionEntity[] decisions)
    {
        await using var db = await api.Factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync();
        db.AddRange(decisions);
        await db.SaveChangesAsync();
    }

    /// <summary>A decision as the silo writes it (there is no silo in these tests).</summary>
    private static DecisionEntity Decision(string ip, string action, string severity, double score)
    {
        var issued = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddMinutes(-5);
        return new DecisionEntity
        {
            Id = Guid.NewGuid(),
            Ip = ip,
            Scope = "Ip",
            Cidr = ip + "/32",
            Action = action,
            Severity = severity,
            Score = score,
            Breakdown = "{}",
            TtlSeconds = 86400,
            IssuedAt = issued,
            ExpiresAt = issued.AddDays(1),
            Origin = "dmarc",
            Reason = $"Score {score:0.00}: 412 of 430 messages failed DKIM and SPF alignment.",
            Simulated = false,
            ReviewStatus = action == "Review" ? ReviewStatus.Pending : ReviewStatus.NotRequired,
        };
    }
}
