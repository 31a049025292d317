using System.Text.Json;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Grains.Settings;

/// <summary>
/// Keeps the grains' settings current: rules, suppressions and the allowlist from the database (re-read every
/// <see cref="ThreatOptions.SettingsRefreshInterval"/>), decisions, weights and the reputation list from configuration.
/// Seeds the rule table with the defaults of rules it does not hold yet.
/// </summary>
internal sealed partial class DatabaseGrainSettingsSource(
    IDbContextFactory<DmarcDbContext> contexts,
    IOptions<ThreatOptions> options,
    TimeProvider time,
    ILogger<DatabaseGrainSettingsSource> logger) : BackgroundService, IGrainSettingsSource
{
    private GrainSettings _current = GrainSettings.Default;

    public GrainSettings Current => Volatile.Read(ref _current);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await SeedRulesAsync(contexts, time, cancellationToken);
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SettingsRefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The grains keep the last good settings; the next tick tries again.
                LogRefreshFailed(logger, e);
            }
        }
    }

    /// <summary>Adds the default of every rule the table lacks; edited rules are left alone.</summary>
    public static async Task SeedRulesAsync(IDbContextFactory<DmarcDbContext> contexts, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var present = await db.AlertRules.Select(r => r.Key).ToListAsync(cancellationToken);
        foreach (var rule in AlertRules.Defaults.Where(r => !present.Contains(r.Key)))
        {
            db.AlertRules.Add(ToEntity(rule, time.GetUtcNow()));
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another host seeded the same rules at the same moment; theirs stand.
        }
    }

    public static AlertRuleEntity ToEntity(AlertRule rule, DateTimeOffset now) => new()
    {
        Key = rule.Key,
        Enabled = rule.Enabled,
        Severity = rule.Severity.ToString(),
        CooldownSeconds = (long)rule.Cooldown.TotalSeconds,
        Thresholds = JsonSerializer.Serialize(rule.Thresholds, GrainJsonContext.Default.IReadOnlyDictionaryStringDouble),
        Description = rule.Description,
        UpdatedAt = now,
    };

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rules = await db.AlertRules.ToListAsync(cancellationToken);
        var suppressions = await db.Suppressions.ToListAsync(cancellationToken);
        var allowlist = await db.Allowlist.ToListAsync(cancellationToken);
        var o = options.Value;
        var settings = GrainSettings.Default with
        {
            Rules = rules.Select(r => new AlertRule(
                r.Key, r.Enabled, Enum.Parse<Severity>(r.Severity), TimeSpan.FromSeconds(r.CooldownSeconds),
                JsonSerializer.Deserialize(r.Thresholds, GrainJsonContext.Default.IReadOnlyDictionaryStringDouble) ?? new Dictionary<string, double>(),
                r.Description)).ToList(),
            Suppressions = suppressions.Select(s => new AlertSuppression(Enum.Parse<SuppressionScope>(s.Scope), s.Value, s.Start, s.End, s.Reason)).ToList(),
            Allowlist = AllowlistEntry.Table(allowlist
                .Where(a => Networks.TryParse(a.Network, out _))
                .Select(a => new AllowlistEntry(Networks.Parse(a.Network), a.Reason))),
            Reputation = await LoadReputationAsync(o.ReputationCsvPath, cancellationToken),
            ProtectedNetworks = ProtectedNetwork.Table(ThreatOptions.ParseNetworks(o.ProtectedNetworks)),
            Scoring = ScoringSettings.Default with
            {
                Weights = new ScoringWeights(o.PatternWeight, o.ContextWeight, o.HistoryWeight, o.ReputationWeight, o.AnomalyWeight),
            },
            Decisions = DecisionSettings.Default with { Enforce = o.Enforce, DefaultTtl = o.DefaultTtl, MaxTtl = o.MaxTtl },
        };
        if (settings.Validate() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException("The grain settings are invalid: " + string.Join(" ", problems));
        }

        Volatile.Write(ref _current, settings);
    }

    private async Task<NetworkTable<ReputationEntry>> LoadReputationAsync(string? path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return NetworkTable<ReputationEntry>.Empty;
        }

        var parsed = ReputationCsv.Parse(await File.ReadAllTextAsync(path, cancellationToken));
        foreach (var error in parsed.Errors)
        {
            LogReputationLine(logger, path, error);
        }

        return ReputationEntry.Table(parsed.Entries);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Reloading the grain settings failed; the previous settings stay in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Reputation list {Path}: {Problem}")]
    private static partial void LogReputationLine(ILogger logger, string path, string problem);
}
