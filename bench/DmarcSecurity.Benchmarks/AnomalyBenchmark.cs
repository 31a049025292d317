using System.Diagnostics;
using DmarcSecurity.Core.Anomaly;
using DmarcSecurity.Learning.Anomaly;
using DmarcSecurity.Testing.Anomaly;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// The anomaly detectors on generated source feature rows: Isolation Forest training (10,000 rows × 100 trees, on
/// all cores and on one) and scoring of 1,000 rows, ML.NET's RandomizedPca training and scoring of the same, and both
/// detectors' ROC AUC on the two kinds of generated data with known outliers the tests use. Times are medians of
/// 7 runs after a warm-up.
/// </summary>
public static class AnomalyBenchmark
{
    private const int Dimensions = 8;
    private const int TrainingRows = 10_000;
    private const int ScoredRows = 1_000;
    private const int TimedRuns = 7;

    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var training = OutlierData.GaussianClusters(TrainingRows - 200, 200, Dimensions, 5, seed: 61);
        var scored = OutlierData.GaussianClusters(ScoredRows - 20, 20, Dimensions, 5, seed: 62).Rows;
        var options = new IsolationForestOptions { Seed = 61 };
        output.WriteLine($"Anomaly detectors: {TrainingRows:N0} training rows × {Dimensions} features, {ScoredRows:N0} rows scored; median of {TimedRuns} runs");

        var forest = IsolationForest.Train(training.Rows, options);
        var parallel = Median(() => IsolationForest.Train(training.Rows, options));
        var single = Median(() => IsolationForest.Train(training.Rows, options with { Parallel = false }));
        var scores = new double[ScoredRows];
        var scoring = Median(() => forest.Score(scored, scores), repeat: 20);
        output.WriteLine($"Isolation Forest ({options.Trees} trees, ψ = {forest.SampleSize}): train {parallel.TotalMilliseconds:F1} ms ({Environment.ProcessorCount} threads), "
            + $"{single.TotalMilliseconds:F1} ms (1 thread); score {ScoredRows:N0} rows {scoring.TotalMilliseconds:F2} ms "
            + $"({scoring.TotalMicroseconds / ScoredRows:F2} µs a row); model {forest.ToBytes().Length / 1024.0:F0} KiB");

        var pcaOptions = new PcaAnomalyDetectorOptions { Seed = 61 };
        var pca = PcaAnomalyDetector.Train(training.Rows, pcaOptions);
        var pcaTraining = Median(() => PcaAnomalyDetector.Train(training.Rows, pcaOptions));
        var pcaScoring = Median(() => pca.Score(scored, scores), repeat: 5);
        output.WriteLine($"RandomizedPca (rank {pca.Rank}, standardised): train {pcaTraining.TotalMilliseconds:F1} ms; score {ScoredRows:N0} rows {pcaScoring.TotalMilliseconds:F2} ms");

        output.WriteLine($"{"ROC AUC, 2,000 normal + 100 outliers",-58} {"Isolation Forest",17} {"RandomizedPca",14}");
        foreach (var (name, data, rank) in new (string, LabelledRows, int?)[]
        {
            ("Gaussian clusters, 4 features", OutlierData.GaussianClusters(2_000, 100, 4, 4, seed: 1), null),
            ("Gaussian clusters, 8 features", OutlierData.GaussianClusters(2_000, 100, 8, 5, seed: 1), null),
            ("near a rank-3 subspace, 10 features", OutlierData.CorrelatedSubspace(2_000, 100, 10, 3, seed: 1), 3),
        })
        {
            var forestAuc = RocAuc.Compute(IsolationForest.Train(data.Rows, new IsolationForestOptions { Seed = 1 }).Score(data.Rows), data.IsOutlier);
            var pcaAuc = RocAuc.Compute(PcaAnomalyDetector.Train(data.Rows, new PcaAnomalyDetectorOptions { Seed = 1, Rank = rank }).Score(data.Rows), data.IsOutlier);
            output.WriteLine($"{name,-58} {forestAuc,17:F4} {pcaAuc,14:F4}");
        }
    }

    /// <summary>Median time of one call over <see cref="TimedRuns"/> runs, each the mean of <paramref name="repeat"/> calls.</summary>
    private static TimeSpan Median(Action action, int repeat = 1)
    {
        for (var i = 0; i < 3; i++)
        {
            action();
        }

        var times = new TimeSpan[TimedRuns];
        for (var run = 0; run < TimedRuns; run++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < repeat; i++)
            {
                action();
            }

            times[run] = watch.Elapsed / repeat;
        }

        Array.Sort(times);
        return times[TimedRuns / 2];
    }
}
