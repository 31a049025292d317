using DmarcSecurity.Core.Anomaly;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace DmarcSecurity.Learning.Severity;

/// <summary>One analyst verdict with the evidence the decision was made on.</summary>
/// <param name="Confirmed">True when the analyst approved the decision, false when they dismissed it.</param>
public sealed record Verdict(float[] Features, bool Confirmed);

/// <param name="Auc">Area under the ROC curve on the held-out verdicts.</param>
/// <param name="PrecisionAtK">Of the <paramref name="K"/> held-out decisions the model is surest about, the share the
/// analysts confirmed.</param>
/// <param name="Confusion">At probability 0.5: [[true negatives, false positives], [false negatives, true positives]].</param>
public sealed record SeverityMetrics(double Auc, double PrecisionAtK, int K, int[][] Confusion, int TrainedOn, int TestedOn);

/// <summary>
/// Learns from analysts' verdicts how likely a decision is to be confirmed, with ML.NET's FastTree (gradient-boosted
/// trees): small trees and a small leaf size, because verdicts come in tens and hundreds, not millions. A quarter of
/// the verdicts of each kind is held out, chosen with a seed, to measure the model; the model kept is then trained on
/// all of them.
/// </summary>
public sealed class SeverityClassifier
{
    /// <summary>Verdicts of each kind needed to train: fewer cannot be both learned from and measured.</summary>
    public const int MinimumPerClass = 10;

    private const string FeaturesColumn = "Features";
    private readonly MLContext _context;
    private readonly ITransformer _model;
    private readonly PredictionEngine<Row, Prediction> _engine;
    private readonly object _lock = new();

    private SeverityClassifier(MLContext context, ITransformer model, int dimensions)
    {
        _context = context;
        _model = model;
        Dimensions = dimensions;
        _engine = context.Model.CreatePredictionEngine<Row, Prediction>(model, inputSchemaDefinition: Schema(dimensions));
    }

    public int Dimensions { get; }

    /// <summary>Measures on a held-out quarter, then trains on every verdict.</summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="MinimumPerClass"/> verdicts of either kind, or rows of
    /// different lengths or with NaN.</exception>
    public static (SeverityClassifier Model, SeverityMetrics Metrics) Train(IReadOnlyList<Verdict> verdicts, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        var confirmed = verdicts.Count(v => v.Confirmed);
        var dismissed = verdicts.Count - confirmed;
        if (confirmed < MinimumPerClass || dismissed < MinimumPerClass)
        {
            throw new ArgumentException(
                $"Training needs at least {MinimumPerClass} approved and {MinimumPerClass} dismissed decisions; there are {confirmed} and {dismissed}.",
                nameof(verdicts));
        }

        var dimensions = verdicts[0].Features.Length;
        if (verdicts.Any(v => v.Features.Length != dimensions || v.Features.Any(f => !float.IsFinite(f))))
        {
            throw new ArgumentException($"Every verdict needs {dimensions} finite features.", nameof(verdicts));
        }

        // A seeded, stratified hold-out: a quarter of each kind.
        var random = new Random(seed);
        var test = new HashSet<Verdict>(ReferenceEqualityComparer.Instance);
        foreach (var kind in verdicts.GroupBy(v => v.Confirmed))
        {
            var shuffled = kind.OrderBy(_ => random.Next()).ToList();
            test.UnionWith(shuffled.Take(Math.Max(1, shuffled.Count / 4)));
        }

        var training = verdicts.Where(v => !test.Contains(v)).ToList();
        var measured = Fit(training, dimensions, seed);
        var probabilities = test.Select(v => measured.Probability(v.Features)).ToArray();
        var labels = test.Select(v => v.Confirmed).ToArray();
        var metrics = Measure(probabilities, labels, training.Count);
        return (Fit(verdicts, dimensions, seed), metrics);
    }

    /// <summary>The probability that analysts confirm a decision with these features.</summary>
    public double Probability(float[] features)
    {
        if (features.Length != Dimensions)
        {
            throw new ArgumentException($"The model takes {Dimensions} features, not {features.Length}.", nameof(features));
        }

        lock (_lock)
        {
            return _engine.Predict(new Row { Features = features }).Probability;
        }
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        _context.Model.Save(_model, _context.Data.LoadFromEnumerable([new Row { Features = new float[Dimensions] }], Schema(Dimensions)).Schema, stream);
        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">Not a model this class saved.</exception>
    public static SeverityClassifier FromBytes(byte[] bytes, int dimensions)
    {
        var context = new MLContext(seed: 1);
        try
        {
            using var stream = new MemoryStream(bytes);
            return new SeverityClassifier(context, context.Model.Load(stream, out _), dimensions);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException("The stored severity model cannot be read: " + e.Message, e);
        }
    }

    private static SeverityClassifier Fit(IReadOnlyList<Verdict> verdicts, int dimensions, int seed)
    {
        var context = new MLContext(seed);
        var data = context.Data.LoadFromEnumerable(verdicts.Select(v => new Row { Features = v.Features, Label = v.Confirmed }), Schema(dimensions));
        var trainer = context.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            FeatureColumnName = FeaturesColumn,
            LabelColumnName = nameof(Row.Label),
            NumberOfTrees = 60,
            NumberOfLeaves = 6,
            MinimumExampleCountPerLeaf = 2,
            LearningRate = 0.15,
            Seed = seed,
        });
        return new SeverityClassifier(context, trainer.Fit(data), dimensions);
    }

    private static SeverityMetrics Measure(double[] probabilities, bool[] labels, int trainedOn)
    {
        var k = Math.Min(10, probabilities.Length);
        var precisionAtK = probabilities.Zip(labels).OrderByDescending(x => x.First).Take(k).Count(x => x.Second) / (double)k;
        int tn = 0, fp = 0, fn = 0, tp = 0;
        foreach (var (p, confirmed) in probabilities.Zip(labels))
        {
            var predicted = p >= 0.5;
            (tn, fp, fn, tp) = (predicted, confirmed) switch
            {
                (false, false) => (tn + 1, fp, fn, tp),
                (true, false) => (tn, fp + 1, fn, tp),
                (false, true) => (tn, fp, fn + 1, tp),
                _ => (tn, fp, fn, tp + 1),
            };
        }

        return new SeverityMetrics(RocAuc.Compute(probabilities, labels), precisionAtK, k, [[tn, fp], [fn, tp]], trainedOn, probabilities.Length);
    }

    private static SchemaDefinition Schema(int dimensions)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimensions);
        return schema;
    }

    private sealed class Row
    {
        [ColumnName(FeaturesColumn)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    private sealed class Prediction
    {
        public float Probability { get; set; }
    }
}
