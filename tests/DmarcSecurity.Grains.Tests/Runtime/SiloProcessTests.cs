using System.Diagnostics;
using System.Text.Json;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>
/// The real silo processes (DmarcSecurity.Grains with the DMARC grains) in one Orleans cluster on Redis, over
/// PostgreSQL: reports are stored while two silos run, one silo is killed with SIGKILL half way through, and the
/// evidence of every source and domain ends exactly where one silo alone ends on the same reports, with every decision
/// a grain counted stored exactly once. (Which decisions are made depends on how records fall into batches, which
/// differs from run to run; the evidence does not.) Needs DMARC_TEST_REDIS (test.sh starts a Redis server); without
/// it the test fails, it does not skip.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class SiloProcessTests(ITestOutputHelper output)
{
    // 40 reports x 500 records = 20,000 source-IP events (plus 40 domain events) over 5,000 addresses and 10 domains:
    // the real grains score and decide on every batch, which makes an event cost several times a counter's, and two
    // runs of this size already take most of a minute on two shared cores.
    private const int Reports = 40;
    private const int RecordsPerReport = 500;
    private const int Addresses = 5_000;
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_silo_processes_on_redis_with_one_killed_midway_end_where_one_silo_alone_ends()
    {
        var redis = Environment.GetEnvironmentVariable("DMARC_TEST_REDIS")
            ?? throw new InvalidOperationException("DMARC_TEST_REDIS is not set: run the tests through test.sh, which starts a Redis server.");
        var reports = Generate();
        var total = Reports * (RecordsPerReport + 1);

        await using var reference = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql);
        await StoreAsync(reference, reports);
        var clock = Stopwatch.StartNew();
        using (var alone = await StartSiloAsync("alone", reference, redis, "reference-" + Guid.NewGuid().ToString("N")[..8]))
        {
            await reference.WaitForEmptyInboxAsync(s_drainTimeout);
        }

        output.WriteLine($"one silo process: {total:N0} events in {clock.Elapsed.TotalSeconds:F1} s (start-up included)");
        var expected = await OutcomeAsync(reference);

        await using var database = await GrainTestDatabase.CreateAsync(DbProvider.PostgreSql);
        var cluster = "pair-" + Guid.NewGuid().ToString("N")[..8];
        using var survivor = await StartSiloAsync("survivor", database, redis, cluster);
        var victim = await StartSiloAsync("victim", database, redis, cluster);
        try
        {
            // Both healthy means both joined: the partitions spread over them before the first report is stored.
            await Task.Delay(TimeSpan.FromSeconds(3));
            await StoreAsync(database, reports);
            await SiloFailoverTests.Until(async () => await database.ScalarAsync("SELECT COUNT(*) FROM grain_inbox") <= total / 2, s_drainTimeout, "half the events to be applied");
            var pendingAtKill = await database.ScalarAsync("SELECT COUNT(*) FROM grain_inbox");
            var killed = Stopwatch.StartNew();
            Process.GetProcessById(victim.Id).Kill(); // SIGKILL
            await database.WaitForEmptyInboxAsync(s_drainTimeout);
            output.WriteLine($"victim killed with {pendingAtKill:N0} events pending; inbox empty {killed.Elapsed.TotalSeconds:F1} s later");
        }
        finally
        {
            victim.Dispose();
        }

        var actual = await OutcomeAsync(database);
        Assert.True(expected.Sources.Count > 4_000, $"only {expected.Sources.Count} sources");
        Assert.True(expected.DecidedSources.Count > 0, "no decision was made: the comparison proves little");
        Assert.Equal(expected.Sources, actual.Sources);
        Assert.Equal(expected.Domains, actual.Domains);
        Assert.True(actual.DecidedSources.Count > 0, "the two silos made no decision");
        Assert.Empty(expected.DecisionsMiscounted);
        Assert.Empty(actual.DecisionsMiscounted);
        Assert.Equal(0, await database.ScalarAsync("SELECT COUNT(*) FROM grain_dead_letters"));
    }

    private async Task<HostProcess> StartSiloAsync(string name, GrainTestDatabase database, string redis, string cluster)
    {
        var silo = await HostProcess.StartAsync(name, HostProcess.ProjectDll("DmarcSecurity.Grains"), new Dictionary<string, string>
        {
            ["ConnectionStrings__dmarcdb"] = database.ConnectionString,
            ["ConnectionStrings__cluster"] = redis,
            ["Orleans__ClusterId"] = cluster,
            ["Orleans__ServiceId"] = "dmarcsecurity-tests",
            ["Orleans__Clustering__ProviderType"] = "Redis",
            ["Orleans__Clustering__ServiceKey"] = "cluster",
            ["Orleans__Endpoints__SiloPort"] = HostProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = HostProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
        });
        output.WriteLine($"{name}: pid {silo.Id}");
        return silo;
    }

    private static List<byte[]> Generate()
    {
        var random = new Random(20260301);
        return [.. Enumerable.Range(0, Reports).Select(r => AggregateReportXml.Build(
            $"d{r % 10}.example", "google.com", $"process-{r}", daysAgo: 1 + (r % 5),
            Enumerable.Range(0, RecordsPerReport).Select(_ =>
            {
                var address = random.Next(Addresses);
                return ($"198.18.{address / 250}.{(address % 250) + 1}", random.Next(1, 60), random.Next(10) < 6, random.Next(3) switch { 0 => "none", 1 => "quarantine", _ => "reject" });
            })))];
    }

    private static async Task StoreAsync(GrainTestDatabase database, List<byte[]> reports)
    {
        var ingestor = database.Services.GetRequiredService<IReportIngestor>();
        var extractor = new ReportExtractor(ExtractionLimits.Default);
        foreach (var xml in reports)
        {
            var file = new IncomingFile(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(xml)), "test", "report.xml", xml.Length, DateTimeOffset.UtcNow);
            var stored = await ingestor.StoreAsync(file, extractor.Extract(new MemoryStream(xml)), CancellationToken.None);
            Assert.Equal(FileOutcome.Stored, stored.Outcome);
        }
    }

    /// <summary>What the grains made of the reports, without the clock readings that differ between two runs.</summary>
    private static async Task<Outcome> OutcomeAsync(GrainTestDatabase database)
    {
        await using var db = await database.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync();
        var states = await db.GrainStates.Select(s => new { s.GrainType, s.GrainKey, s.State }).ToListAsync();
        var stored = (await db.Decisions.Select(d => d.Ip).ToListAsync()).GroupBy(ip => ip).ToDictionary(g => g.Key, g => (long)g.Count());
        var sources = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var domains = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var decided = new SortedSet<string>(StringComparer.Ordinal);
        var miscounted = new List<string>();
        foreach (var s in states)
        {
            using var json = JsonDocument.Parse(s.State);
            var days = string.Join(';', json.RootElement.GetProperty("days").EnumerateArray().Select(d => d.GetRawText()));
            if (s.GrainType == "source-ip")
            {
                sources[s.GrainKey] = days;
                var made = json.RootElement.TryGetProperty("decisionSequence", out var sequence) ? sequence.GetInt64() : 0;
                if (made > 0)
                {
                    decided.Add(s.GrainKey);
                }

                if (made != stored.GetValueOrDefault(s.GrainKey))
                {
                    miscounted.Add($"{s.GrainKey}: the grain made {made} decisions, {stored.GetValueOrDefault(s.GrainKey)} are stored");
                }
            }
            else
            {
                domains[s.GrainKey] = days;
            }
        }

        return new Outcome(sources, domains, decided, miscounted);
    }

    private sealed record Outcome(
        SortedDictionary<string, string> Sources, SortedDictionary<string, string> Domains, SortedSet<string> DecidedSources, List<string> DecisionsMiscounted);
}
