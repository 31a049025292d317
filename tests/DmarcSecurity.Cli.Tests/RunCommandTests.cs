using System.Text.Json;
using System.Text.RegularExpressions;
using DmarcSecurity.Cli.Enforcement;
using DmarcSecurity.Cli.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Cli.Tests;

/// <summary><c>dmarcsec run</c> against the real Api, with the silo's decisions written straight into the database (there
/// is no silo here, so a queued block stays in the grain inbox, where the tests read it). The database is shared by the
/// class: each test has its own addresses and looks only at them.</summary>
public sealed partial class RunCommandTests(CliApi api) : IClassFixture<CliApi>
{
    private const string DryRunLine = "Dry run: 1 address would be blocked; nothing was changed. Pass --enforce to block them.";

    [Fact]
    public async Task Dry_run_shows_the_critical_address_it_would_block_and_why_it_skips_the_others_and_queues_nothing()
    {
        var critical = Decision("192.0.2.151", "Critical", 0.962, TimeSpan.FromHours(20));
        var blockedAlready = Decision("192.0.2.155", "Critical", 0.941, TimeSpan.FromHours(20));
        await AddAsync(
            critical,
            Decision("192.0.2.152", "High", 0.83, TimeSpan.FromHours(20)),
            Decision("192.0.2.153", "Critical", 0.97, TimeSpan.FromHours(-1)),
            Decision("192.0.2.154", "Critical", 0.95, TimeSpan.FromHours(20), allowlisted: "Partner relay"),
            blockedAlready,
            Decision("192.0.2.155", "High", 0.88, TimeSpan.FromHours(6), simulated: false));
        var queuedBefore = await ManualBlockIdsAsync();

        var run = await api.RunAsync("run", "--once");

        Assert.True(run.ExitCode == 0, run.ToString());
        var (wouldBlock, skipped) = Sections(run.Output);
        Assert.Matches(Row("192.0.2.151", @"Critical\s+│\s+0\.962 │\s+19h 5\dm │ " + critical.Id.ToString("N")[..8]), wouldBlock);
        Assert.Equal(["192.0.2.151"], Ours(wouldBlock));
        Assert.Matches(Row("192.0.2.152", @"High .*│ below --min-severity Critical"), skipped);
        Assert.Matches(Row("192.0.2.154", @"Critical .*│ allowlisted \(Partner relay\): the platform suppressed it"), skipped);
        Assert.Matches(Row("192.0.2.155", $@"Critical .*│ {blockedAlready.Id.ToString("N")[..8]} │ already blocked: enforced decision"), skipped);
        Assert.DoesNotContain("192.0.2.153", run.Output);
        Assert.Matches(@"Left out: \d+ simulated block decisions? no longer in force \(expired or dismissed\)\.", run.Output);
        Assert.Contains(DryRunLine, run.Output);
        Assert.Equal(queuedBefore, await ManualBlockIdsAsync());
    }

    [Fact]
    public async Task Enforce_queues_one_block_for_the_address_lasting_what_is_left_of_the_decision()
    {
        var critical = Decision("192.0.2.161", "Critical", 0.9134, TimeSpan.FromHours(30));
        var older = Decision("192.0.2.161", "High", 0.8, TimeSpan.FromHours(40), issuedAgo: TimeSpan.FromHours(2));
        await AddAsync(critical, older);

        var leftBefore = critical.ExpiresAt - DateTimeOffset.UtcNow;

        var run = await api.RunAsync("run", "--enforce", "--once");

        var leftAfter = critical.ExpiresAt - DateTimeOffset.UtcNow;
        Assert.True(run.ExitCode == 0, run.ToString());
        var block = Assert.Single(await ManualBlocksAsync("192.0.2.161"));
        Assert.Equal(GrainTypes.SourceIp, block.GrainType);
        var payload = JsonSerializer.Deserialize(block.Payload, GrainEventJson.Default.ManualBlockEvent)!;
        Assert.InRange(payload.Duration, leftAfter - TimeSpan.FromMinutes(1), leftBefore);
        Assert.Equal($"Enforcing dry-run decision {critical.Id}: Critical score 0.913", payload.Reason);
        Assert.False(payload.BypassAllowlist);
        Assert.Contains("Queued for blocking", run.Output);
        Assert.Matches(Row("192.0.2.161", @"Critical\s+│\s+0\.913 │"), run.Output);
        Assert.Matches(@"\d+ address(es)? queued for blocking\.", run.Output);
        Assert.DoesNotContain("Dry run", run.Output);
    }

    [Fact]
    public async Task Min_severity_high_includes_the_high_decisions()
    {
        await AddAsync(
            Decision("192.0.2.171", "High", 0.81, TimeSpan.FromHours(10)),
            Decision("192.0.2.172", "Medium", 0.55, TimeSpan.FromHours(10)));

        var run = await api.RunAsync("run", "--once", "--min-severity", "high");

        Assert.True(run.ExitCode == 0, run.ToString());
        var (wouldBlock, skipped) = Sections(run.Output);
        Assert.Matches(Row("192.0.2.171", @"High\s+│\s+0\.810 │"), wouldBlock);
        Assert.Matches(Row("192.0.2.172", @"Medium .*│ below --min-severity High"), skipped);
        Assert.Contains("at or above High", run.Output);
    }

    [Fact]
    public async Task A_viewer_key_may_not_enforce_exits_1_with_the_reason_and_queues_nothing()
    {
        await AddAsync(Decision("192.0.2.181", "Critical", 0.93, TimeSpan.FromHours(10)));
        var viewerKey = await api.CreateUserWithKeyAsync("run-viewer@cli-tests.example", UserRole.Viewer);
        var queuedBefore = await ManualBlockIdsAsync();

        var run = await api.RunAsync("--api-key", viewerKey, "run", "--enforce", "--once");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dmarcsec: The API key may not block addresses (403 Forbidden): --enforce needs an Analyst or Admin key", line);
        Assert.Contains("0 addresses queued for blocking.", run.Output);
        Assert.Equal(queuedBefore, await ManualBlockIdsAsync());
    }

    [Fact]
    public async Task Without_once_it_runs_until_cancelled_and_then_exits_0()
    {
        await AddAsync(Decision("192.0.2.191", "Critical", 0.99, TimeSpan.FromHours(10)));

        var run = await api.RunUntilAsync(output => output.Contains("Dry run:"), "run", "--interval", "10m");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("A pass every 10m; Ctrl+C to stop.", run.Output);
        Assert.Matches(Row("192.0.2.191", "Critical"), Sections(run.Output).WouldBlock);
        Assert.Single(Regex.Matches(run.Output, "Dry run:"));
        Assert.EndsWith("Stopped.", run.Output.TrimEnd());
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task An_unknown_min_severity_exits_2_naming_the_severities()
    {
        var run = await api.RunAsync("run", "--once", "--min-severity", "Severe");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--min-severity must be one of Info, Low, Medium, High, Critical; 'Severe' is not.", run.Error);
    }

    [Fact]
    public async Task An_interval_under_ten_seconds_exits_2()
    {
        var run = await api.RunAsync("run", "--interval", "5s");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--interval must be a time such as 30s, 5m or 1h, at least 10s; '5s' is not.", run.Error);
    }

    [Fact]
    public void Per_address_the_plan_takes_the_most_severe_decision_in_force_and_leaves_out_the_others()
    {
        var now = DateTimeOffset.UtcNow;
        var high = Contract(Decision("198.51.100.60", "High", 0.8, TimeSpan.FromHours(5)));
        var critical = Contract(Decision("198.51.100.60", "Critical", 0.95, TimeSpan.FromHours(3), issuedAgo: TimeSpan.FromHours(1)));
        var dismissed = Contract(Decision("198.51.100.61", "Critical", 0.95, TimeSpan.FromHours(3))) with { ReviewStatus = "Dismissed" };

        var plan = EnforcementPlan.From([high, critical, dismissed], "High", now);

        Assert.Equal([critical.Id], plan.ToBlock.Select(d => d.Id));
        Assert.Empty(plan.Skipped);
        Assert.Equal([dismissed.Id], plan.NotInForce.Select(d => d.Id));
    }

    [Theory]
    [InlineData(30, "00:01:00")]
    [InlineData(5400, "01:30:00")]
    [InlineData(93784, "1.02:03:04")]
    public void A_block_lasts_what_is_left_of_the_decision_and_at_least_a_minute(int secondsLeft, string duration)
    {
        var now = DateTimeOffset.UtcNow;
        var decision = Contract(Decision("198.51.100.62", "Critical", 0.9, TimeSpan.Zero)) with { ExpiresAt = now.AddSeconds(secondsLeft).AddMilliseconds(400) };

        Assert.Equal(duration, Enforcer.Duration(decision, now));
    }

    /// <summary>The tool's two tables: what it would block (or queued) and what it skipped.</summary>
    private static (string WouldBlock, string Skipped) Sections(string output)
    {
        var skipped = output.IndexOf("Skipped", StringComparison.Ordinal);
        return skipped < 0 ? (output, "") : (output[..skipped], output[skipped..]);
    }

    private static string Row(string ip, string rest) => $@"│ {Regex.Escape(ip)}\s+│ {rest}";

    /// <summary>The addresses of this class's tests (192.0.2.150-199) in a part of the output.</summary>
    private static List<string> Ours(string text) =>
        [.. OurAddresses().Matches(text).Select(m => m.Value).Distinct()];

    [GeneratedRegex(@"192\.0\.2\.1[5-9][0-9]")]
    private static partial Regex OurAddresses();

    private async Task AddAsync(params DecisionEntity[] decisions)
    {
        await using var db = await Contexts().CreateDbContextAsync();
        db.AddRange(decisions);
        await db.SaveChangesAsync();
    }

    private async Task<List<GrainInboxEntity>> ManualBlocksAsync(string? ip = null)
    {
        await using var db = await Contexts().CreateDbContextAsync();
        var blocks = db.GrainInbox.Where(e => e.EventType == GrainEventTypes.ManualBlock);
        return await (ip is null ? blocks : blocks.Where(e => e.GrainKey == ip)).OrderBy(e => e.Id).ToListAsync();
    }

    private async Task<List<long>> ManualBlockIdsAsync() => [.. (await ManualBlocksAsync()).Select(e => e.Id)];

    private IDbContextFactory<DmarcDbContext> Contexts() => api.Factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>();

    /// <summary>A block decision as the silo writes it in dry run (<paramref name="simulated"/>) or enforcing.</summary>
    private static DecisionEntity Decision(
        string ip, string severity, double score, TimeSpan left, bool simulated = true, string? allowlisted = null, TimeSpan? issuedAgo = null)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var issued = now - (issuedAgo ?? TimeSpan.FromMinutes(5));
        return new DecisionEntity
        {
            Id = Guid.NewGuid(),
            Ip = ip,
            Scope = "Ip",
            Cidr = ip + "/32",
            Action = "Block",
            Severity = severity,
            Score = score,
            Breakdown = "{}",
            TtlSeconds = (long)(now + left - issued).TotalSeconds,
            IssuedAt = issued,
            ExpiresAt = now + left,
            Origin = "dmarc",
            Reason = $"Score {score:0.00}: 1204 of 1250 messages failed DKIM and SPF alignment; 3 IDS alerts (ET SCAN).",
            Simulated = simulated,
            SuppressedByAllowlist = allowlisted is not null,
            AllowlistReason = allowlisted,
            ReviewStatus = ReviewStatus.NotRequired,
        };
    }

    private static Cli.Api.Decision Contract(DecisionEntity d) => new(
        d.Id, d.Ip, d.Cidr, d.Action, d.Severity, d.Score, d.IssuedAt, d.ExpiresAt, d.Origin, d.Reason, d.Simulated,
        d.SuppressedByAllowlist, d.ReviewStatus.ToString(), d.AllowlistReason);
}
