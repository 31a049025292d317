using System.Globalization;
using System.Net;
using System.Text.Json;
using DmarcSecurity.Api.Decisions;
using DmarcSecurity.Api.Learning;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Api.Tests;

/// <summary>Learned severity end to end: no model without verdicts, training on the analysts' verdicts with metrics,
/// activation, advice recorded beside each decision, and rolling back.</summary>
public abstract class SeverityModelsApiTests(ApiFixture fixture)
{
    private HttpClient Client => fixture.Client;

    /// <summary>A decision whose evidence is strong (pattern and context high) or weak, reviewed or pending.</summary>
    internal static DecisionEntity Decision(double pattern, double context, ReviewStatus review)
    {
        var d = Seed.Decision($"198.51.100.{Random.Shared.Next(1, 250)}", reviewStatus: review, score: (0.3 * pattern) + (0.25 * context));
        d.Breakdown = string.Create(CultureInfo.InvariantCulture, $$$"""
            {"pattern":{"value":{{{pattern}}},"weight":0.3,"contribution":{{{0.3 * pattern}}},"inputs":{"failRatio":{{{pattern}}},"volume":1}},
             "context":{"value":{{{context}}},"weight":0.25,"contribution":{{{0.25 * context}}},"inputs":{"enforced":{{{context}}},"breadth":0.2}},
             "history":{"value":0,"weight":0.2,"contribution":0,"inputs":{}},
             "reputation":{"value":0,"weight":0.15,"contribution":0,"inputs":{"listed":0}},
             "anomaly":{"value":0,"weight":0.1,"contribution":0,"inputs":{}} }
            """);
        return d;
    }

    internal static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, Upload.Json)!;
    }

    [Fact]
    public async Task Trains_on_verdicts_advises_once_activated_and_rolls_back()
    {
        // Too few verdicts: a conflict that says how many there are, and no model.
        await Seed.AddAsync(fixture, Decision(0.9, 0.8, ReviewStatus.Approved), Decision(0.1, 0.1, ReviewStatus.Dismissed));
        using (var early = await Client.PostAsync("/api/models/severity/train", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Contains("at least 10 approved and 10 dismissed decisions; there are 1 and 1", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty(await Upload.GetAsync<List<SeverityModelDto>>(Client, "/api/models/severity"));

        // Analysts approve the decisions with strong evidence and dismiss the weak ones.
        var random = new Random(4);
        var verdicts = Enumerable.Range(0, 60).Select(i =>
        {
            var strong = i % 2 == 0;
            var pattern = strong ? 0.6 + (0.4 * random.NextDouble()) : 0.4 * random.NextDouble();
            return Decision(pattern, random.NextDouble(), strong ? ReviewStatus.Approved : ReviewStatus.Dismissed);
        }).ToArray<object>();
        await Seed.AddAsync(fixture, verdicts);
        var pending = Decision(0.95, 0.9, ReviewStatus.Pending);
        var manual = Decision(0.95, 0.9, ReviewStatus.Approved);
        manual.Origin = "manual";
        await Seed.AddAsync(fixture, pending, manual);

        var first = await ReadAsync<SeverityModelDto>(await Client.PostAsync("/api/models/severity/train", null));
        Assert.Equal((62, 31, 31, false), (first.Examples, first.Confirmed, first.Dismissed, first.Active));
        Assert.InRange(first.Metrics.Auc, 0.9, 1);
        Assert.Equal(first.Metrics.TestedOn, first.Metrics.Confusion.Sum(r => r.Sum()));
        Assert.Equal(62, first.Metrics.TrainedOn + first.Metrics.TestedOn);

        // Not active: no advice.
        await Task.Delay(600);
        Assert.Null((await Upload.GetAsync<DecisionDetailDto>(Client, $"/api/decisions/{pending.Id}")).LearnedSeverity);

        var active = await ReadAsync<SeverityModelDto>(await Client.PostAsync($"/api/models/severity/{first.Version}/activate", null));
        Assert.True(active.Active);
        var advice = await WaitForAdviceAsync(pending.Id, first.Version);
        Assert.True(advice.Probability > 0.7, $"probability {advice.Probability}");
        Assert.Equal(SeverityLayers.Of(advice.Probability).ToString(), advice.Severity);
        Assert.Equal(Math.Abs(advice.Probability - 0.5) * 2, advice.Confidence, 12);
        var history = await Upload.GetAsync<PagedResult<SeverityPredictionDto>>(Client, $"/api/models/severity/predictions?decisionId={pending.Id}");
        Assert.Equal(first.Version, Assert.Single(history.Items).ModelVersion);
        var onManual = await Upload.GetAsync<PagedResult<SeverityPredictionDto>>(Client, $"/api/models/severity/predictions?decisionId={manual.Id}");
        Assert.Empty(onManual.Items);

        // A second version, activated, then rolled back to the first.
        var second = await ReadAsync<SeverityModelDto>(await Client.PostAsync("/api/models/severity/train", null));
        await ReadAsync<SeverityModelDto>(await Client.PostAsync($"/api/models/severity/{second.Version}/activate", null));
        Assert.Equal(second.Version, (await WaitForAdviceAsync(pending.Id, second.Version)).ModelVersion);
        await ReadAsync<SeverityModelDto>(await Client.PostAsync($"/api/models/severity/{first.Version}/activate", null));
        var models = await Upload.GetAsync<List<SeverityModelDto>>(Client, "/api/models/severity");
        Assert.Equal([(second.Version, false), (first.Version, true)], models.Select(m => (m.Version, m.Active)));
        Assert.Equal(first.Version, (await Upload.GetAsync<DecisionDetailDto>(Client, $"/api/decisions/{pending.Id}")).LearnedSeverity!.ModelVersion);
        using var missing = await Client.PostAsync("/api/models/severity/999/activate", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private Task<SeverityPredictionDto> WaitForAdviceAsync(Guid decision, int version) => WaitForAdviceAsync(Client, decision, version);

    internal static async Task<SeverityPredictionDto> WaitForAdviceAsync(HttpClient client, Guid decision, int version)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var detail = await Upload.GetAsync<DecisionDetailDto>(client, $"/api/decisions/{decision}");
            if (detail.LearnedSeverity is { } advice && advice.ModelVersion == version)
            {
                return advice;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no advice from model {version} within 20 s");
            await Task.Delay(100);
        }
    }
}

/// <summary>The Api with the advisor looking for new decisions every 100 ms.</summary>
public abstract class QuickAdvisorApiFixture : ApiFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Learning:AdviseInterval", "00:00:00.100")];
}

public sealed class QuickAdvisorPostgreSqlApiFixture : QuickAdvisorApiFixture
{
    public override DbProvider Provider => DbProvider.PostgreSql;
}

public sealed class QuickAdvisorSqliteApiFixture : QuickAdvisorApiFixture
{
    public override DbProvider Provider => DbProvider.Sqlite;
}

[Trait("Provider", "PostgreSql")]
public sealed class SeverityModelsApiPostgreSqlTests(QuickAdvisorPostgreSqlApiFixture fixture) : SeverityModelsApiTests(fixture), IClassFixture<QuickAdvisorPostgreSqlApiFixture>;

public sealed class SeverityModelsApiSqliteTests(QuickAdvisorSqliteApiFixture fixture) : SeverityModelsApiTests(fixture), IClassFixture<QuickAdvisorSqliteApiFixture>;
