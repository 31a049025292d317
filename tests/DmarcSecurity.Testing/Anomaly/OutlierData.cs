namespace DmarcSecurity.Testing.Anomaly;

/// <summary>Rows with known outliers, and which rows they are.</summary>
public sealed record LabelledRows(double[][] Rows, bool[] IsOutlier)
{
    public int Dimensions => Rows[0].Length;

    public int OutlierCount => IsOutlier.Count(o => o);
}

/// <summary>
/// Generated feature rows with known outliers, seeded so every run sees the same data. Shared (as a linked source
/// file) by the detectors' tests and the benchmark so that their figures speak of the same data sets.
/// </summary>
public static class OutlierData
{
    /// <summary>
    /// Normal rows from <paramref name="clusters"/> Gaussian clusters (centres uniform in [−5, 5]^d, standard
    /// deviation 0.5 per feature) and outliers uniform in the box [−8, 8]^d, shuffled together. An outlier that lands
    /// inside a cluster is still labelled an outlier, as a real one would be, which caps every detector's ROC AUC
    /// just below 1.
    /// </summary>
    public static LabelledRows GaussianClusters(int normal, int outliers, int dimensions, int clusters, int seed)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, clusters)
            .Select(_ => Enumerable.Range(0, dimensions).Select(_ => Uniform(random, -5, 5)).ToArray()).ToArray();
        var rows = new List<(double[] Row, bool Outlier)>(normal + outliers);
        for (var i = 0; i < normal; i++)
        {
            var centre = centres[i % clusters];
            rows.Add((centre.Select(c => c + (0.5 * Gaussian(random))).ToArray(), false));
        }

        for (var i = 0; i < outliers; i++)
        {
            rows.Add((Enumerable.Range(0, dimensions).Select(_ => Uniform(random, -8, 8)).ToArray(), true));
        }

        return Shuffled(rows, random);
    }

    /// <summary>
    /// Normal rows near a <paramref name="rank"/>-dimensional linear subspace of d features (correlated features, as
    /// volumes, failures and distinct sources of one sender move together: latent factors N(0, 2²) times a fixed
    /// random loading matrix, plus N(0, 0.1²) noise per feature) and outliers uniform in the box the normal rows fill.
    /// </summary>
    public static LabelledRows CorrelatedSubspace(int normal, int outliers, int dimensions, int rank, int seed)
    {
        var random = new Random(seed);
        var loadings = Enumerable.Range(0, rank)
            .Select(_ => Enumerable.Range(0, dimensions).Select(_ => Gaussian(random) / Math.Sqrt(rank)).ToArray()).ToArray();
        var rows = new List<(double[] Row, bool Outlier)>(normal + outliers);
        for (var i = 0; i < normal; i++)
        {
            var factors = Enumerable.Range(0, rank).Select(_ => 2 * Gaussian(random)).ToArray();
            var row = new double[dimensions];
            for (var j = 0; j < dimensions; j++)
            {
                row[j] = (0.1 * Gaussian(random)) + Enumerable.Range(0, rank).Sum(k => factors[k] * loadings[k][j]);
            }

            rows.Add((row, false));
        }

        var low = Enumerable.Range(0, dimensions).Select(j => rows.Min(r => r.Row[j])).ToArray();
        var high = Enumerable.Range(0, dimensions).Select(j => rows.Max(r => r.Row[j])).ToArray();
        for (var i = 0; i < outliers; i++)
        {
            rows.Add((Enumerable.Range(0, dimensions).Select(j => Uniform(random, low[j], high[j])).ToArray(), true));
        }

        return Shuffled(rows, random);
    }

    public static double Gaussian(Random random)
    {
        // Box–Muller; 1 − u keeps the logarithm's argument above 0.
        var u = 1.0 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    private static double Uniform(Random random, double low, double high) => low + (random.NextDouble() * (high - low));

    private static LabelledRows Shuffled(List<(double[] Row, bool Outlier)> rows, Random random)
    {
        var array = rows.ToArray();
        random.Shuffle(array);
        return new LabelledRows(array.Select(r => r.Row).ToArray(), array.Select(r => r.Outlier).ToArray());
    }
}
