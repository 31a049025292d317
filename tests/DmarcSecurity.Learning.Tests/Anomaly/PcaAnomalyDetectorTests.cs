using DmarcSecurity.Learning.Anomaly;
using DmarcSecurity.Testing.Anomaly;

namespace DmarcSecurity.Learning.Tests.Anomaly;

public sealed class PcaAnomalyDetectorTests
{
    private static readonly LabelledRows s_data = OutlierData.CorrelatedSubspace(1_000, 50, 6, 2, seed: 41);

    [Fact]
    public void Scores_lie_between_0_and_1()
    {
        var detector = PcaAnomalyDetector.Train(s_data.Rows, new PcaAnomalyDetectorOptions { Rank = 2, Seed = 41 });

        Assert.All(detector.Score(s_data.Rows), s => Assert.InRange(s, 0.0, 1.0));
    }

    [Fact]
    public void A_row_that_breaks_the_correlations_scores_higher_than_one_that_follows_them_far_out()
    {
        var detector = PcaAnomalyDetector.Train(s_data.Rows, new PcaAnomalyDetectorOptions { Rank = 2, Seed = 41 });
        var typical = s_data.Rows.Where((_, i) => !s_data.IsOutlier[i]).First();

        var farAlong = detector.Score(typical.Select(v => v * 5).ToArray());
        var across = detector.Score(typical.Select((v, j) => j % 2 == 0 ? v + 20 : v - 20).ToArray());

        Assert.True(farAlong < 0.3, $"far along the subspace {farAlong:F4}");
        Assert.True(across > 0.5, $"across the subspace {across:F4}");
    }

    [Fact]
    public void Stored_model_gives_identical_scores()
    {
        var detector = PcaAnomalyDetector.Train(s_data.Rows, new PcaAnomalyDetectorOptions { Rank = 2, Seed = 41 });

        var restored = PcaAnomalyDetector.FromBytes(detector.ToBytes());

        Assert.Equal((6, 2), (restored.Dimensions, restored.Rank));
        Assert.Equal(detector.Score(s_data.Rows), restored.Score(s_data.Rows));
    }

    [Fact]
    public void Bytes_that_are_not_a_model_are_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => PcaAnomalyDetector.FromBytes([1, 2, 3, 4]));

        Assert.StartsWith("Stored PCA anomaly model is invalid", error.Message);
    }

    [Fact]
    public void Same_seed_gives_the_same_scores()
    {
        var first = PcaAnomalyDetector.Train(s_data.Rows, new PcaAnomalyDetectorOptions { Rank = 2, Seed = 7 });
        var second = PcaAnomalyDetector.Train(s_data.Rows, new PcaAnomalyDetectorOptions { Rank = 2, Seed = 7 });

        Assert.Equal(first.Score(s_data.Rows), second.Score(s_data.Rows));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void A_rank_outside_1_to_features_minus_1_is_refused(int rank)
    {
        var error = Assert.Throws<ArgumentException>(() => PcaAnomalyDetector.Train(s_data.Rows, new PcaAnomalyDetectorOptions { Rank = rank }));

        Assert.Contains("between 1 and 5 for 6 features", error.Message);
    }

    [Fact]
    public void Rows_with_nan_or_of_different_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PcaAnomalyDetector.Train([[1, 2, 3], [1, double.NaN, 3]]));
        Assert.Throws<ArgumentException>(() => PcaAnomalyDetector.Train([[1, 2, 3], [1, 2]]));
        Assert.Throws<ArgumentException>(() => PcaAnomalyDetector.Train(Array.Empty<double[]>()));
    }
}
