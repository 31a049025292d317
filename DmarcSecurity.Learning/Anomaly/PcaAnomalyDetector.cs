using Microsoft.ML;
using Microsoft.ML.Data;

namespace DmarcSecurity.Learning.Anomaly;

/// <summary>
/// The second anomaly detector beside <see cref="Core.Anomaly.IsolationForest"/>: ML.NET's <c>RandomizedPca</c>
/// trainer (a PCA of the training rows by randomized SVD) on the same feature rows.
/// <para>
/// The score is ML.NET's own, unchanged: with μ the training mean and P the projection on the top <c>rank</c>
/// principal components, s(x) = sqrt((‖x − μ‖² − ‖P(x − μ)‖²) / ‖x − μ‖²), the share of the centred row's length
/// that lies outside the principal subspace (the sine of its angle to it). It is in [0, 1] by construction: 0 for a
/// row the components explain fully, 1 for a row at right angles to all of them. It measures direction, not
/// distance: a row far out along the principal subspace scores low, so the detector finds rows that break the
/// features' usual correlations, not rows that are merely large. A row exactly at the mean (0/0 in ML.NET, which
/// gives NaN) scores 0 here.
/// </para>
/// </summary>
public sealed class PcaAnomalyDetector
{
    private const string FeaturesColumn = "Features";
    private static readonly MLContext s_context = new(seed: 0);
    private readonly ITransformer _model;
    private readonly SchemaDefinition _schema;

    private PcaAnomalyDetector(ITransformer model, int dimensions, int rank)
    {
        _model = model;
        Dimensions = dimensions;
        Rank = rank;
        _schema = SchemaFor(dimensions);
    }

    /// <summary>Number of features of a row.</summary>
    public int Dimensions { get; }

    /// <summary>Number of principal components kept.</summary>
    public int Rank { get; }

    /// <summary>Trains on <paramref name="rows"/>, all of one length (at least 2), with finite values.</summary>
    /// <exception cref="ArgumentException">No rows, rows of different lengths, fewer than 2 features, a NaN or
    /// infinite value, or a rank outside 1 to features − 1.</exception>
    public static PcaAnomalyDetector Train(IReadOnlyList<double[]> rows, PcaAnomalyDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new PcaAnomalyDetectorOptions();
        if (rows.Count == 0)
        {
            throw new ArgumentException("There are no rows to train on.", nameof(rows));
        }

        var dimensions = rows[0]?.Length ?? throw new ArgumentException("Row 0 is null.", nameof(rows));
        if (dimensions < 2)
        {
            throw new ArgumentException($"Rows have {dimensions} features; a PCA detector needs at least 2.", nameof(rows));
        }

        var rank = options.Rank ?? Math.Max(1, dimensions / 2);
        if (rank < 1 || rank >= dimensions)
        {
            throw new ArgumentException($"Rank {rank} must be between 1 and {dimensions - 1} for {dimensions} features.", nameof(options));
        }

        var data = ToDataView(rows, dimensions, SchemaFor(dimensions), finiteOnly: true);
        var context = new MLContext(options.Seed);
        var trainer = context.AnomalyDetection.Trainers.RandomizedPca(
            FeaturesColumn, rank: rank, oversampling: options.Oversampling, ensureZeroMean: true, seed: options.Seed);
        IEstimator<ITransformer> pipeline = options.Standardize
            ? context.Transforms.NormalizeMeanVariance(FeaturesColumn).Append(trainer)
            : trainer;
        return new PcaAnomalyDetector(pipeline.Fit(data), dimensions, rank);
    }

    /// <summary>The anomaly score of one row, in [0, 1].</summary>
    public double Score(ReadOnlySpan<double> row) => Score([row.ToArray()])[0];

    /// <summary>Scores every row into <paramref name="scores"/>, in one pass through the ML.NET pipeline.</summary>
    /// <exception cref="ArgumentException">A row of the wrong length or with a NaN, or fewer scores than rows.</exception>
    public void Score(IReadOnlyList<double[]> rows, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (scores.Length < rows.Count)
        {
            throw new ArgumentException($"{scores.Length} scores cannot hold {rows.Count} rows.", nameof(scores));
        }

        var scored = _model.Transform(ToDataView(rows, Dimensions, _schema, finiteOnly: false));
        var i = 0;
        foreach (var score in scored.GetColumn<float>("Score"))
        {
            scores[i++] = float.IsNaN(score) ? 0 : score;
        }
    }

    /// <summary>Scores a batch of rows and returns the scores.</summary>
    public double[] Score(IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var scores = new double[rows.Count];
        Score(rows, scores);
        return scores;
    }

    /// <summary>The model in ML.NET's own zip format, for storing; <see cref="FromBytes"/> reads it back.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        s_context.Model.Save(_model, ToDataView([], Dimensions, _schema, finiteOnly: false).Schema, stream);
        return stream.ToArray();
    }

    /// <summary>Reads a model written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not such a model.</exception>
    public static PcaAnomalyDetector FromBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ITransformer model;
        DataViewSchema input;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            model = s_context.Model.Load(stream, out input);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or InvalidDataException or ArgumentException or IOException)
        {
            throw new InvalidDataException($"Stored PCA anomaly model is invalid: {e.Message}", e);
        }

        // Loaded back, the chain's last step is typed on ML.NET's predictor interface, its model still the PCA's.
        var pca = (model as TransformerChain<ITransformer>)?.LastTransformer ?? model;
        if (input?.GetColumnOrNull(FeaturesColumn)?.Type is not VectorDataViewType { Size: > 1 } features
            || pca is not IPredictionTransformer<object> { Model: Microsoft.ML.Trainers.PcaModelParameters parameters })
        {
            throw new InvalidDataException("Stored PCA anomaly model is invalid: it is not a PCA anomaly detector over a feature vector.");
        }

        VBuffer<float>[] vectors = null!;
        parameters.GetEigenVectors(ref vectors, out var rank);
        return new PcaAnomalyDetector(model, features.Size, rank);
    }

    private static IDataView ToDataView(IReadOnlyList<double[]> rows, int dimensions, SchemaDefinition schema, bool finiteOnly)
    {
        var converted = new FeatureRow[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Length != dimensions)
            {
                throw new ArgumentException($"Row {i} has {row.Length} values where {dimensions} are expected.", nameof(rows));
            }

            var features = new float[dimensions];
            for (var j = 0; j < dimensions; j++)
            {
                if (double.IsNaN(row[j]) || (finiteOnly && !double.IsFinite(row[j])))
                {
                    throw new ArgumentException($"Row {i} holds {row[j]} at feature {j}.", nameof(rows));
                }

                features[j] = (float)row[j];
            }

            converted[i] = new FeatureRow { Features = features };
        }

        return s_context.Data.LoadFromEnumerable(converted, schema);
    }

    private static SchemaDefinition SchemaFor(int dimensions)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[FeaturesColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimensions);
        return schema;
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
