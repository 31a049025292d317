using System.Text.Json;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Learning;
using DmarcSecurity.Learning.Severity;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Learning;

/// <param name="Auc">Area under the ROC curve on the held-out verdicts.</param>
/// <param name="PrecisionAtK">Of the <paramref name="K"/> held-out decisions the model was surest about, the share
/// analysts approved.</param>
/// <param name="Confusion">At probability 0.5: [[true negatives, false positives], [false negatives, true positives]],
/// a positive being an approved decision.</param>
public sealed record SeverityModelMetricsDto(double Auc, double PrecisionAtK, int K, int[][] Confusion, int TrainedOn, int TestedOn);

/// <param name="Decides">An Admin let this model decide: a decision it rates above the rule-based severity is made
/// again at its severity. Only the active model can; activating another version turns it off.</param>
public sealed record SeverityModelDto(
    int Version, DateTimeOffset TrainedAt, string TrainedBy, int Examples, int Confirmed, int Dismissed, SeverityModelMetricsDto Metrics,
    bool Active, DateTimeOffset? ActivatedAt, string? ActivatedBy, int Predictions, bool Decides, DateTimeOffset? DecidesSince, string? DecidesBy)
{
    public static SeverityModelDto From(SeverityModelEntity m, int predictions) => new(
        m.Version, m.TrainedAt, m.TrainedBy, m.Examples, m.Confirmed, m.Dismissed,
        JsonSerializer.Deserialize<SeverityModelMetricsDto>(m.Metrics, JsonSerializerOptions.Web)!, m.Active, m.ActivatedAt, m.ActivatedBy, predictions,
        m.Decides, m.DecidesSince, m.DecidesBy);
}

/// <param name="Enabled">True: the model's severity raises decisions; false: it advises only.</param>
public sealed record SeverityModelDecidesRequest(bool Enabled);

/// <summary>The active model's advice on a decision, beside the rule-based severity it never replaces.</summary>
/// <param name="Probability">The probability that analysts approve the decision.</param>
/// <param name="Severity">The layer of that probability on the threat score's scale (critical ≥ 0.90, high ≥ 0.70,
/// medium ≥ 0.50, low ≥ 0.30, info below).</param>
/// <param name="Confidence">|probability − 0.5| × 2: 0 for a coin toss, 1 for certainty.</param>
public sealed record SeverityPredictionDto(Guid DecisionId, int ModelVersion, DateTimeOffset PredictedAt, double Probability, string Severity, double Confidence)
{
    public static SeverityPredictionDto From(SeverityPredictionEntity p) => new(p.DecisionId, p.ModelVersion, p.PredictedAt, p.Probability, p.Severity, p.Confidence);
}

/// <summary>
/// Learned severity: trains a model on the analysts' verdicts (approved or dismissed decisions of the grains, not
/// decisions made by hand) and the evidence each decision was made on; keeps every version with its metrics; the
/// Admin activates one (rolling back is activating an older one); the active model's advice is recorded for each
/// decision and shown beside the rule-based severity. It advises only, until an Admin lets the active model decide:
/// then a decision in force, unreviewed, that it rates above the rules is sent back to its source-IP grain to be made
/// again at the model's severity. It never lowers a decision. No model exists, and none advises, until one was trained
/// on real verdicts.
/// </summary>
public sealed class SeverityModels(IDbContextFactory<DmarcDbContext> contexts, IGrainInboxWriter inbox, TimeProvider clock)
{
    private readonly object _cacheLock = new();
    private (int Version, SeverityClassifier Model)? _cached;

    public async Task<Outcome<SeverityModelDto>> TrainAsync(string by, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var reviewed = await db.Decisions
            .Where(d => (d.ReviewStatus == ReviewStatus.Approved || d.ReviewStatus == ReviewStatus.Dismissed) && d.Origin != DecisionOrigins.Manual)
            .Select(d => new { d.Score, d.Breakdown, d.ReviewStatus })
            .ToListAsync(cancellationToken);
        var verdicts = reviewed.Select(d => new Verdict(DecisionFeatures.Of(d.Score, d.Breakdown), d.ReviewStatus == ReviewStatus.Approved)).ToList();
        SeverityClassifier model;
        SeverityMetrics metrics;
        try
        {
            (model, metrics) = SeverityClassifier.Train(verdicts, seed: 1);
        }
        catch (ArgumentException e)
        {
            return Outcome<SeverityModelDto>.Fail(ProblemKind.Conflict, e.Message.Split(" (Parameter", 2)[0]);
        }

        var entity = new SeverityModelEntity
        {
            TrainedAt = clock.GetUtcNow(),
            TrainedBy = by,
            Examples = verdicts.Count,
            Confirmed = verdicts.Count(v => v.Confirmed),
            Dismissed = verdicts.Count(v => !v.Confirmed),
            Features = JsonSerializer.Serialize(DecisionFeatures.Names),
            Metrics = JsonSerializer.Serialize(
                new SeverityModelMetricsDto(metrics.Auc, metrics.PrecisionAtK, metrics.K, metrics.Confusion, metrics.TrainedOn, metrics.TestedOn),
                JsonSerializerOptions.Web),
            Model = model.ToBytes(),
        };
        db.SeverityModels.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return Outcome<SeverityModelDto>.Ok(SeverityModelDto.From(entity, 0));
    }

    public async Task<IReadOnlyList<SeverityModelDto>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var models = await db.SeverityModels.OrderByDescending(m => m.Version).ToListAsync(cancellationToken);
        var counts = await db.SeverityPredictions.GroupBy(p => p.ModelVersion).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return [.. models.Select(m => SeverityModelDto.From(m, counts.GetValueOrDefault(m.Version)))];
    }

    /// <summary>Makes <paramref name="version"/> the one model that advises; the others stay, to roll back to.</summary>
    public async Task<Outcome<SeverityModelDto>> ActivateAsync(int version, string by, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var model = await db.SeverityModels.AsTracking().SingleOrDefaultAsync(m => m.Version == version, cancellationToken);
        if (model is null)
        {
            return Outcome<SeverityModelDto>.Fail(ProblemKind.NotFound, $"There is no severity model {version}.");
        }

        await db.SeverityModels.Where(m => (m.Active || m.Decides) && m.Version != version).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Active, false).SetProperty(m => m.Decides, false), cancellationToken);
        if (!model.Active)
        {
            // A version newly activated advises only, whatever it was allowed before: an Admin lets each one decide.
            model.Decides = false;
        }

        model.Active = true;
        model.ActivatedAt = clock.GetUtcNow();
        model.ActivatedBy = by;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Outcome<SeverityModelDto>.Ok(SeverityModelDto.From(model, await db.SeverityPredictions.CountAsync(p => p.ModelVersion == version, cancellationToken)));
    }

    /// <summary>Lets the active model decide, or returns it (or any other) to advising only.</summary>
    public async Task<Outcome<SeverityModelDto>> SetDecidesAsync(int version, bool enabled, string by, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var model = await db.SeverityModels.AsTracking().SingleOrDefaultAsync(m => m.Version == version, cancellationToken);
        if (model is null)
        {
            return Outcome<SeverityModelDto>.Fail(ProblemKind.NotFound, $"There is no severity model {version}.");
        }

        if (enabled && !model.Active)
        {
            return Outcome<SeverityModelDto>.Fail(ProblemKind.Conflict, $"Only the active model can decide; activate version {version} first.");
        }

        if (model.Decides != enabled)
        {
            model.Decides = enabled;
            model.DecidesSince = enabled ? clock.GetUtcNow() : null;
            model.DecidesBy = enabled ? by : null;
            await db.SaveChangesAsync(cancellationToken);
        }

        return Outcome<SeverityModelDto>.Ok(SeverityModelDto.From(model, await db.SeverityPredictions.CountAsync(p => p.ModelVersion == version, cancellationToken)));
    }

    /// <summary>Records the active model's advice for up to <paramref name="limit"/> decisions it has not advised on
    /// yet, newest first; the number advised on.</summary>
    public async Task<int> AdviseAsync(int limit, CancellationToken cancellationToken)
    {
        var advised = await contexts.InTransactionAsync(async db =>
        {
            var active = await db.SeverityModels.Where(m => m.Active).Select(m => new { m.Version, m.Decides })
                .SingleOrDefaultAsync(cancellationToken);
            if (active is null)
            {
                return Outcome<int>.Ok(0);
            }

            var pending = await db.Decisions
                .Where(d => d.Origin != DecisionOrigins.Manual && !db.SeverityPredictions.Any(p => p.DecisionId == d.Id && p.ModelVersion == active.Version))
                .OrderByDescending(d => d.IssuedAt).Take(limit)
                .Select(d => new { d.Id, d.Ip, d.Score, d.Breakdown, d.Severity, d.Origin, d.ReviewStatus, d.ExpiresAt, d.SuppressedByAllowlist })
                .ToListAsync(cancellationToken);
            if (pending.Count == 0)
            {
                return Outcome<int>.Ok(0);
            }

            var model = await LoadAsync(db, active.Version, cancellationToken);
            var now = clock.GetUtcNow();
            var raised = new List<NewInboxEvent>();
            foreach (var d in pending)
            {
                var probability = model.Probability(DecisionFeatures.Of(d.Score, d.Breakdown));
                var severity = SeverityLayers.Of(probability);
                var confidence = Math.Abs(probability - 0.5) * 2;
                db.SeverityPredictions.Add(new SeverityPredictionEntity
                {
                    DecisionId = d.Id,
                    ModelVersion = active.Version,
                    PredictedAt = now,
                    Probability = probability,
                    Severity = severity.ToString(),
                    Confidence = confidence,
                });
                if (active.Decides && d.Origin != DecisionOrigins.Learned && !d.SuppressedByAllowlist && d.ExpiresAt > now
                    && d.ReviewStatus is ReviewStatus.Pending or ReviewStatus.NotRequired && severity > Enum.Parse<Severity>(d.Severity))
                {
                    raised.Add(new NewInboxEvent(GrainTypes.SourceIp, d.Ip, GrainEventTypes.LearnedSeverity, JsonSerializer.Serialize(
                        new LearnedSeverityEvent(d.Id, severity, probability, confidence, active.Version), GrainEventJson.Default.LearnedSeverityEvent)));
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            if (raised.Count > 0)
            {
                await inbox.EnqueueAsync(db, raised, cancellationToken);
            }

            return Outcome<int>.Ok(pending.Count);
        }, cancellationToken);
        return advised.Value;
    }

    /// <summary>The active model's advice on a decision, if it gave one.</summary>
    public static async Task<SeverityPredictionDto?> AdviceAsync(DmarcDbContext db, Guid decision, CancellationToken cancellationToken) =>
        await db.SeverityPredictions
            .Where(p => p.DecisionId == decision && db.SeverityModels.Any(m => m.Active && m.Version == p.ModelVersion))
            .Select(p => new SeverityPredictionDto(p.DecisionId, p.ModelVersion, p.PredictedAt, p.Probability, p.Severity, p.Confidence))
            .SingleOrDefaultAsync(cancellationToken);

    private async Task<SeverityClassifier> LoadAsync(DmarcDbContext db, int version, CancellationToken cancellationToken)
    {
        lock (_cacheLock)
        {
            if (_cached is { } cached && cached.Version == version)
            {
                return cached.Model;
            }
        }

        var bytes = await db.SeverityModels.Where(m => m.Version == version).Select(m => m.Model).SingleAsync(cancellationToken);
        var model = SeverityClassifier.FromBytes(bytes, DecisionFeatures.Names.Count);
        lock (_cacheLock)
        {
            _cached = (version, model);
        }

        return model;
    }
}
