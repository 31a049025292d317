using System.Globalization;
using System.Text.Json;
using DmarcSecurity.Api.Anomaly;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;

namespace DmarcSecurity.Api.Tests;

/// <summary>The anomaly job learns what ordinary source-days look like from the grains' evidence and sends each active
/// address its score; the one address that spoofs and attacks stands out.</summary>
public abstract class AnomalyApiTests(ApiFixture fixture)
{
    private static DateOnly Yesterday => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A mail server of the organisation or a provider: mostly passing mail, no IDS alerts.</summary>
    private static string Ordinary(int i) => $$$"""
        {"version":1,"days":[
          {"day":"{{{Day(Yesterday.AddDays(-1))}}}","messages":{{{200 + (i * 37 % 400)}}},"failingBoth":{{{i % 4}}},"none":{{{200 + (i * 37 % 400)}}},"quarantine":0,"reject":0},
          {"day":"{{{Day(Yesterday)}}}","messages":{{{180 + (i * 53 % 450)}}},"failingBoth":{{{i % 3}}},"none":{{{180 + (i * 53 % 450)}}},"quarantine":0,"reject":0}],
         "domains":{"example.com":{"firstSeen":"2026-11-01T00:00:00+00:00","lastSeen":"2026-12-01T00:00:00+00:00","messages":100,"failingBoth":0} } }
        """;

    /// <summary>Spoofs five domains with everything failing and attacks protected servers.</summary>
    private static readonly string s_hostile = $$$"""
        {"version":1,"days":[{"day":"{{{Day(Yesterday)}}}","messages":30000,"failingBoth":30000,"none":0,"quarantine":10000,"reject":20000}],
         "idsDays":[{"day":"{{{Day(Yesterday)}}}","alerts":400,"topPriority":1,"probes":3000,"connections":3100,"targetHits":3400,"protectedHits":3400,"distinctTargets":250}],
         "domains":{"a.example":{},"b.example":{},"c.example":{},"d.example":{},"e.example":{} } }
        """;

    [Fact]
    public async Task Too_few_source_days_train_nothing_then_enough_single_out_the_hostile_address()
    {
        using (var early = await fixture.Client.PostAsync("/api/anomaly/run", null))
        {
            var first = JsonSerializer.Deserialize<AnomalyRun>(await early.Content.ReadAsStringAsync(), Upload.Json)!;
            Assert.Null(first.Model);
            Assert.Equal(0, first.Scored);
            Assert.Contains("fewer than the 50 needed", first.Note, StringComparison.Ordinal);
        }

        for (var i = 0; i < 120; i++)
        {
            await Seed.GrainStateAsync(fixture, GrainTypes.SourceIp, $"198.18.{i / 200}.{i % 200 + 1}", Ordinary(i));
        }

        const string hostile = "203.0.113.250";
        await Seed.GrainStateAsync(fixture, GrainTypes.SourceIp, hostile, s_hostile);

        using var response = await fixture.Client.PostAsync("/api/anomaly/run", null);
        var run = JsonSerializer.Deserialize<AnomalyRun>(await response.Content.ReadAsStringAsync(), Upload.Json)!;

        Assert.StartsWith("iforest-", run.Model, StringComparison.Ordinal);
        Assert.Equal((241, 121, 121), (run.Rows, run.Sources, run.Scored));
        var top = run.Top[0];
        Assert.Equal((hostile, Yesterday), (top.Ip, top.Day));
        Assert.True(top.Score > 0.65, $"hostile scored {top.Score}");
        Assert.True(run.Top[1].Score < top.Score - 0.1, $"next {run.Top[1].Ip} scored {run.Top[1].Score}");
        Assert.Equal(Math.Clamp((top.Score - 0.5) / 0.25, 0, 1), top.Anomaly, 12);
        Assert.InRange(top.PcaScore, 0, 1);

        var sent = JsonSerializer.Deserialize(
            Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, hostile, GrainEventTypes.AnomalyScored)).Payload,
            GrainEventJson.Default.AnomalyScoredEvent)!;
        Assert.Equal((Yesterday, top.Anomaly, run.Model), (sent.Day, sent.Score, sent.Model));
        Assert.Single(await Seed.InboxAsync(fixture, GrainTypes.SourceIp, "198.18.0.1", GrainEventTypes.AnomalyScored));
    }
}

public sealed class AnomalyApiPostgreSqlTests(PostgreSqlApiFixture fixture) : AnomalyApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class AnomalyApiSqliteTests(SqliteApiFixture fixture) : AnomalyApiTests(fixture), IClassFixture<SqliteApiFixture>;
