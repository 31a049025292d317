using System.Globalization;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests.Infrastructure;

/// <summary>Writes what the silo would have written (rules, alerts, decisions, grain states) straight into the Api's
/// database, and reads rows back for assertions.</summary>
public static class Seed
{
    /// <summary>Whole seconds, so values survive both providers' timestamp precision unchanged.</summary>
    public static DateTimeOffset Now { get; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    public static async Task AddAsync(ApiFixture fixture, params object[] entities)
    {
        await using var db = await Contexts(fixture).CreateDbContextAsync();
        db.AddRange(entities);
        await db.SaveChangesAsync();
    }

    public static async Task<T> QueryAsync<T>(ApiFixture fixture, Func<DmarcDbContext, Task<T>> query)
    {
        await using var db = await Contexts(fixture).CreateDbContextAsync();
        return await query(db);
    }

    /// <summary>The rules as the silo seeds them on start (its defaults), unless already there.</summary>
    public static async Task SiloRulesAsync(ApiFixture fixture)
    {
        if (await QueryAsync(fixture, db => db.AlertRules.AnyAsync()))
        {
            return;
        }

        await AddAsync(fixture,
            Rule("domain.failure-spike", "High", 12 * 3600, """{"minMessages":100,"minBaselineDays":7,"ratio":2,"minIncrease":0.1}""",
                "Today's DMARC failure rate is well above the domain's baseline."),
            Rule("domain.new-source", "Medium", 24 * 3600, """{"minMessages":10}""",
                "A source sends as the domain, fails DKIM and SPF alignment, and has never passed."),
            Rule("domain.policy-downgrade", "High", 3600, "{}", "The published DMARC policy became weaker (p, sp, np, pct or testing)."),
            Rule("domain.reporter-gap", "Low", 24 * 3600, """{"dailyDays":7,"silentDays":3}""", "A reporter that sent a report every day has gone silent."),
            Rule("source.threat", "High", 4 * 3600, "{}", "A source IP scored high or critical; the alert carries the decision."),
            Rule("domain.dns-posture-change", "Medium", 3600, "{}",
                "The domain's published DMARC, SPF, DKIM, MTA-STS or TLS-RPT records changed between two DNS posture checks."));
    }

    public static AlertEntity Alert(
        string grainKey,
        string ruleKey = "domain.failure-spike",
        string severity = "High",
        AlertStatus status = AlertStatus.Open,
        string grainType = GrainTypes.Domain,
        DateTimeOffset? lastSeen = null,
        int occurrences = 1)
    {
        var last = lastSeen ?? Now;
        return new AlertEntity
        {
            Fingerprint = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            RuleKey = ruleKey,
            Severity = severity,
            GrainType = grainType,
            GrainKey = grainKey,
            Title = $"{ruleKey} on {grainKey}",
            Detail = "Failure rate 34.0% against a baseline of 1.2% over 2,410 messages.",
            Discriminators = grainType == GrainTypes.Domain ? """{"day":"2026-11-03"}""" : "{}",
            Status = status,
            Occurrences = occurrences,
            FirstSeenAt = last.AddHours(-occurrences),
            LastSeenAt = last,
            ResolvedAt = status == AlertStatus.Resolved ? last.AddMinutes(5) : null,
            ResolvedBy = status == AlertStatus.Resolved ? "earlier@tests.example" : null,
        };
    }

    /// <summary>An alert with the "created" history row the silo writes with it.</summary>
    public static async Task<AlertEntity> AlertAsync(ApiFixture fixture, AlertEntity alert)
    {
        await AddAsync(fixture, alert);
        await AddAsync(fixture, new AlertHistoryEntity { AlertId = alert.Id, At = alert.FirstSeenAt, Action = "created" });
        return alert;
    }

    public static DecisionEntity Decision(
        string ip, string action = "Review", ReviewStatus reviewStatus = ReviewStatus.Pending, DateTimeOffset? issuedAt = null,
        bool simulated = false, string severity = "Medium", double score = 0.58)
    {
        var issued = issuedAt ?? Now;
        return new DecisionEntity
        {
            Id = Guid.NewGuid(),
            Ip = ip,
            Scope = "Ip",
            Cidr = ip.Contains(':', StringComparison.Ordinal) ? ip + "/128" : ip + "/32",
            Action = action,
            Severity = severity,
            Score = score,
            Breakdown = Breakdown,
            TtlSeconds = 86400,
            IssuedAt = issued,
            ExpiresAt = issued.AddDays(1),
            Origin = "dmarc",
            Reason = string.Create(CultureInfo.InvariantCulture, $"Score {score:0.00}: 412 of 430 messages failed DKIM and SPF alignment."),
            Simulated = simulated,
            ReviewStatus = reviewStatus,
            ReviewedBy = reviewStatus is ReviewStatus.Approved or ReviewStatus.Dismissed ? "earlier@tests.example" : null,
            ReviewedAt = reviewStatus is ReviewStatus.Approved or ReviewStatus.Dismissed ? issued.AddMinutes(10) : null,
        };
    }

    /// <summary>A score breakdown as the silo stores it: five components, each with value, weight, contribution and inputs.</summary>
    public const string Breakdown = """
        {"pattern":{"value":0.96,"weight":0.35,"contribution":0.336,"inputs":{"messages":430,"failingBoth":412,"quarantined":0,"rejected":380}},
         "context":{"value":0.5,"weight":0.2,"contribution":0.1,"inputs":{"failingDomains":2}},
         "history":{"value":0.25,"weight":0.2,"contribution":0.05,"inputs":{"priorOffences":0,"failingDays":3}},
         "reputation":{"value":0.4,"weight":0.15,"contribution":0.06,"inputs":{"listed":0.4}},
         "anomaly":{"value":0,"weight":0.1,"contribution":0,"inputs":{}}}
        """;

    public static async Task GrainStateAsync(ApiFixture fixture, string grainType, string grainKey, string state, long version = 3)
    {
        var partitions = new GrainClusterOptions().Partitions;
        await AddAsync(fixture, new GrainStateEntity
        {
            GrainType = grainType,
            GrainKey = grainKey,
            Partition = GrainPartitioner.PartitionOf(grainType, grainKey, partitions),
            Version = version,
            State = state,
            UpdatedAt = Now,
        });
    }

    public static Task<List<GrainInboxEntity>> InboxAsync(ApiFixture fixture, string grainType, string grainKey, string eventType) =>
        QueryAsync(fixture, db => db.GrainInbox
            .Where(e => e.GrainType == grainType && e.GrainKey == grainKey && e.EventType == eventType)
            .OrderBy(e => e.Id)
            .ToListAsync());

    /// <summary>A signed-in user of <paramref name="role"/> with a unique e-mail, calling with an API key of their own.</summary>
    public static async Task<(string Email, HttpClient Client)> CallerAsync(ApiFixture fixture, UserRole role)
    {
        var email = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}@tests.example";
        const string password = "caller-password-9-long";
        await fixture.CreateUserAsync(email, role, password);
        using var bearer = await fixture.SignInAsync(email, password);
        return (email, fixture.WithApiKey(await ApiFixture.CreateApiKeyAsync(bearer, "tests")));
    }

    private static AlertRuleEntity Rule(string key, string severity, long cooldownSeconds, string thresholds, string description) => new()
    {
        Key = key,
        Enabled = true,
        Severity = severity,
        CooldownSeconds = cooldownSeconds,
        Thresholds = thresholds,
        Description = description,
        UpdatedAt = Now,
    };

    private static IDbContextFactory<DmarcDbContext> Contexts(ApiFixture fixture) =>
        fixture.Factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>();
}
