using System.Text.Json;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Core.Anomaly;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Learning.Anomaly;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Anomaly;

/// <summary>The anomaly job's settings (section <c>Anomaly</c>).</summary>
public sealed class AnomalyOptions
{
    public const string SectionName = "Anomaly";

    /// <summary>How often the job runs; zero turns it off (it still runs on demand).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Source-days it needs before it trains: fewer say too little of what is ordinary.</summary>
    public int MinimumRows { get; set; } = 50;

    /// <summary>Source-days it trains on at most (a seeded sample when there are more).</summary>
    public int MaximumRows { get; set; } = 200_000;

    /// <summary>Only addresses with evidence this recent are scored (DMARC reports cover yesterday).</summary>
    public int ActiveDays { get; set; } = 2;

    public int Trees { get; set; } = 100;
}

/// <summary>What one run did.</summary>
/// <param name="Model">The model that scored: detector, time and rows, e.g. <c>iforest-202612071200-4210</c>; null when
/// there was too little to train on.</param>
/// <param name="Top">The most anomalous addresses scored, worst first (at most 10).</param>
public sealed record AnomalyRun(DateTimeOffset At, string? Model, int Rows, int Sources, int Scored, IReadOnlyList<AnomalyScoreDto> Top, string? Note);

/// <param name="Score">The Isolation Forest score s (0.5 is ordinary).</param>
/// <param name="Anomaly">The anomaly component it gives: (s − 0.5) ÷ 0.25, clamped to 0..1.</param>
/// <param name="PcaScore">The second detector's opinion (ML.NET's RandomizedPca: the share of the row outside the
/// usual correlations of the features, 0..1), shown beside the forest's; it does not feed the score.</param>
public sealed record AnomalyScoreDto(string Ip, DateOnly Day, double Score, double Anomaly, double PcaScore);

/// <summary>
/// Daily: builds features per source address and day from the source-IP grains' DMARC and IDS evidence, trains an
/// Isolation Forest on them, scores each active address's latest day, and sends the score to its grain through the
/// inbox, where it becomes the anomaly component of the threat score. ML.NET's RandomizedPca is trained on the same rows
/// as a second opinion, reported beside the forest's.
/// </summary>
public sealed partial class AnomalyJob(
    IDbContextFactory<DmarcDbContext> contexts, IGrainInboxWriter inbox, IOptionsMonitor<AnomalyOptions> options, TimeProvider clock,
    ILogger<AnomalyJob> logger) : ScheduledJob(contexts, clock, logger)
{
    public override string Name => "anomaly-detection";

    public override string Description => "Trains the Isolation Forest on the grains' source-days and sends each active address its anomaly score.";

    public override TimeSpan Interval => options.CurrentValue.Interval;

    protected override async Task<string> RunOnceAsync(CancellationToken cancellationToken) => Summary(await RunAsync(cancellationToken));

    /// <summary>Runs the job now for <c>POST /api/anomaly/run</c>: one at a time with the scheduled runs, recorded as
    /// theirs are, answering what it trained on and scored.</summary>
    public async Task<AnomalyRun> DetectNowAsync(string trigger, CancellationToken cancellationToken)
    {
        AnomalyRun? result = null;
        var run = await OneAtATimeAsync(trigger, async ct => Summary(result = await RunAsync(ct)), cancellationToken);
        return result ?? throw new InvalidOperationException($"Anomaly detection failed: {run.Error}");
    }

    private static string Summary(AnomalyRun run) =>
        run.Note ?? $"Model {run.Model} trained on {run.Rows} source-days scored {run.Scored} active addresses" +
        (run.Top.Count > 0 ? $"; most anomalous {run.Top[0].Ip} ({run.Top[0].Score:0.000})." : ".");

    /// <summary>Trains and scores once.</summary>
    private async Task<AnomalyRun> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = Clock.GetUtcNow();
        var rows = new List<(string Ip, DateOnly Day, double[] Features)>();
        await using (var db = await Contexts.CreateDbContextAsync(cancellationToken))
        {
            await foreach (var grain in db.GrainStates.Where(g => g.GrainType == GrainTypes.SourceIp)
                               .Select(g => new { g.GrainKey, g.State }).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                foreach (var (day, evidence) in SourceDays.Read(grain.State))
                {
                    rows.Add((grain.GrainKey, day, SourceDayFeatures.Of(evidence)));
                }
            }
        }

        var sources = rows.Select(r => r.Ip).Distinct(StringComparer.Ordinal).Count();
        if (rows.Count < settings.MinimumRows)
        {
            var note = $"{rows.Count} source-days is fewer than the {settings.MinimumRows} needed to learn what is ordinary; nothing was scored.";
            TooFew(logger, rows.Count, settings.MinimumRows);
            return new AnomalyRun(now, null, rows.Count, sources, 0, [], note);
        }

        var seed = unchecked((int)now.ToUnixTimeSeconds());
        var sample = new Random(seed);
        var training = rows.Count <= settings.MaximumRows ? rows
            : [.. rows.OrderBy(_ => sample.Next()).Take(settings.MaximumRows)];
        var forest = IsolationForest.Train([.. training.Select(r => r.Features)], new IsolationForestOptions { Trees = settings.Trees, Seed = seed });
        var model = $"iforest-{now:yyyyMMddHHmm}-{training.Count}";

        var firstActive = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-settings.ActiveDays);
        var latest = rows.Where(r => r.Day >= firstActive).GroupBy(r => r.Ip, StringComparer.Ordinal)
            .Select(g => g.MaxBy(r => r.Day)).ToList();
        var pca = PcaAnomalyDetector.Train([.. training.Select(r => r.Features)], new PcaAnomalyDetectorOptions { Seed = seed });
        var pcaScores = new double[latest.Count];
        pca.Score([.. latest.Select(r => r.Features)], pcaScores);
        var scored = new List<AnomalyScoreDto>(latest.Count);
        foreach (var ((ip, day, features), pcaScore) in latest.Zip(pcaScores))
        {
            var score = forest.Score(features);
            scored.Add(new AnomalyScoreDto(ip, day, score, SourceDayFeatures.AnomalyOf(score), pcaScore));
        }

        await using (var db = await Contexts.CreateDbContextAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await inbox.EnqueueAsync(db, [.. scored.Select(s => new NewInboxEvent(GrainTypes.SourceIp, s.Ip, GrainEventTypes.AnomalyScored,
                JsonSerializer.Serialize(new AnomalyScoredEvent(s.Day, s.Anomaly, model), GrainEventJson.Default.AnomalyScoredEvent)))], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        Scored(logger, model, rows.Count, scored.Count);
        return new AnomalyRun(now, model, training.Count, sources, scored.Count,
            [.. scored.OrderByDescending(s => s.Score).ThenBy(s => s.Ip, StringComparer.Ordinal).Take(10)], null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Anomaly detection: {Rows} source-days are fewer than the {Minimum} needed; nothing scored")]
    private static partial void TooFew(ILogger logger, int rows, int minimum);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anomaly detection: model {Model} trained on {Rows} source-days scored {Scored} active addresses")]
    private static partial void Scored(ILogger logger, string model, int rows, int scored);
}
