using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Learning;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static DmarcSecurity.Api.Tests.SeverityModelsApiTests;

namespace DmarcSecurity.Api.Tests;

/// <summary>The switch by which an Admin lets the active learned-severity model decide: off by default, only for the
/// active version, reset by activating another; while on, a decision the model rates above the rules goes back to its
/// source-IP grain (the grain's side is tested in the silo's tests).</summary>
public abstract class SeverityModelDecidesApiTests(ApiFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task The_active_model_decides_only_once_an_admin_lets_it_and_then_raises_what_it_rates_higher()
    {
        var random = new Random(11);
        await Seed.AddAsync(fixture, [.. Enumerable.Range(0, 60).Select(i =>
        {
            var strong = i % 2 == 0;
            return (object)Decision(strong ? 0.6 + (0.4 * random.NextDouble()) : 0.4 * random.NextDouble(), random.NextDouble(),
                strong ? ReviewStatus.Approved : ReviewStatus.Dismissed);
        })]);
        var first = await ReadAsync<SeverityModelDto>(await Client.PostAsync("/api/models/severity/train", null));
        var second = await ReadAsync<SeverityModelDto>(await Client.PostAsync("/api/models/severity/train", null));
        Assert.False(first.Decides);

        // Only the active model may decide.
        using (var inactive = await Client.PostAsJsonAsync($"/api/models/severity/{first.Version}/decides", new { enabled = true }))
        {
            Assert.Equal(HttpStatusCode.Conflict, inactive.StatusCode);
            Assert.Contains($"activate version {first.Version} first", await inactive.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var missing = await Client.PostAsJsonAsync("/api/models/severity/999/decides", new { enabled = true }))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        await ReadAsync<SeverityModelDto>(await Client.PostAsync($"/api/models/severity/{first.Version}/activate", null));

        // Advising only: a strong medium decision is advised on, and nothing goes to its grain.
        var advisedOnly = Decision(0.97, 0.9, ReviewStatus.NotRequired);
        await Seed.AddAsync(fixture, advisedOnly);
        var advice = await WaitForAdviceAsync(Client, advisedOnly.Id, first.Version);
        Assert.True(Enum.Parse<Severity>(advice.Severity) > Severity.Medium, $"advice {advice.Severity} ({advice.Probability})");
        Assert.Empty(await LearnedEventsAsync());

        var deciding = await ReadAsync<SeverityModelDto>(
            await Client.PostAsJsonAsync($"/api/models/severity/{first.Version}/decides", new { enabled = true }));
        Assert.Equal((true, ApiFixture.AdminEmail), (deciding.Decides, deciding.DecidesBy));
        Assert.NotNull(deciding.DecidesSince);

        // Deciding: the strong medium decision is raised; a weak one, an analyst's block, a reviewed one and an expired
        // one are advised on and left alone.
        var strong = Decision(0.96, 0.95, ReviewStatus.NotRequired);
        var weak = Decision(0.05, 0.1, ReviewStatus.NotRequired);
        var manual = Decision(0.96, 0.95, ReviewStatus.NotRequired);
        manual.Origin = DecisionOrigins.Manual;
        var reviewed = Decision(0.96, 0.95, ReviewStatus.Approved);
        var expired = Decision(0.96, 0.95, ReviewStatus.NotRequired);
        expired.IssuedAt = Seed.Now.AddDays(-3);
        expired.ExpiresAt = Seed.Now.AddDays(-2);
        await Seed.AddAsync(fixture, strong, weak, manual, reviewed, expired);
        var raisedAdvice = await WaitForAdviceAsync(Client, strong.Id, first.Version);
        foreach (var other in new[] { weak, reviewed, expired })
        {
            await WaitForAdviceAsync(Client, other.Id, first.Version);
        }

        var raised = Assert.Single(await LearnedEventsAsync());
        Assert.Equal((GrainTypes.SourceIp, strong.Ip), (raised.GrainType, raised.GrainKey));
        var payload = JsonSerializer.Deserialize(raised.Payload, GrainEventJson.Default.LearnedSeverityEvent)!;
        Assert.Equal((strong.Id, Enum.Parse<Severity>(raisedAdvice.Severity), raisedAdvice.Probability, first.Version),
            (payload.DecisionId, payload.Severity, payload.Probability, payload.ModelVersion));
        Assert.True(payload.Severity > Severity.Medium);

        // Activating another version returns to advice only; so does the switch itself.
        await ReadAsync<SeverityModelDto>(await Client.PostAsync($"/api/models/severity/{second.Version}/activate", null));
        var models = await Upload.GetAsync<List<SeverityModelDto>>(Client, "/api/models/severity");
        Assert.All(models, m => Assert.False(m.Decides));
        await ReadAsync<SeverityModelDto>(await Client.PostAsJsonAsync($"/api/models/severity/{second.Version}/decides", new { enabled = true }));
        var off = await ReadAsync<SeverityModelDto>(await Client.PostAsJsonAsync($"/api/models/severity/{second.Version}/decides", new { enabled = false }));
        Assert.Equal((false, null, null), (off.Decides, off.DecidesSince, off.DecidesBy));
        // The advisor may have run in the moment the second version decided: what it raised then counts, so wait until
        // every decision has the second version's advice before counting.
        foreach (var other in new[] { strong, weak, reviewed, expired })
        {
            await WaitForAdviceAsync(Client, other.Id, second.Version);
        }

        var raisedSoFar = (await LearnedEventsAsync()).Count;
        var later = Decision(0.96, 0.95, ReviewStatus.NotRequired);
        await Seed.AddAsync(fixture, later);
        await WaitForAdviceAsync(Client, later.Id, second.Version);
        var events = await LearnedEventsAsync();
        Assert.Equal(raisedSoFar, events.Count);
        Assert.DoesNotContain(events, e => e.Payload.Contains(later.Id.ToString(), StringComparison.OrdinalIgnoreCase));
    }

    private async Task<List<Data.Grains.GrainInboxEntity>> LearnedEventsAsync()
    {
        await using var db = await fixture.Factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync();
        return await db.GrainInbox.Where(e => e.EventType == GrainEventTypes.LearnedSeverity).ToListAsync();
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class SeverityModelDecidesApiPostgreSqlTests(QuickAdvisorPostgreSqlApiFixture fixture)
    : SeverityModelDecidesApiTests(fixture), IClassFixture<QuickAdvisorPostgreSqlApiFixture>;

public sealed class SeverityModelDecidesApiSqliteTests(QuickAdvisorSqliteApiFixture fixture)
    : SeverityModelDecidesApiTests(fixture), IClassFixture<QuickAdvisorSqliteApiFixture>;
