using DmarcSecurity.Core.Anomaly;

namespace DmarcSecurity.Core.Tests.Anomaly;

public sealed class IsolationForestInputTests
{
    private static readonly double[][] s_rows = [[1, 2], [2, 3], [3, 1], [4, 4]];

    [Fact]
    public void Training_on_no_rows_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => IsolationForest.Train(Array.Empty<double[]>()));

        Assert.Contains("no rows", error.Message);
    }

    [Fact]
    public void Training_on_rows_of_different_lengths_is_refused_naming_the_row()
    {
        double[][] ragged = [[1, 2], [2, 3], [3, 1, 5]];

        var error = Assert.Throws<ArgumentException>(() => IsolationForest.Train(ragged));

        Assert.Contains("Row 2 has 3 values where row 0 has 2", error.Message);
    }

    [Fact]
    public void Training_on_rows_without_features_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => IsolationForest.Train([[], []]));

        Assert.Contains("no features", error.Message);
    }

    [Fact]
    public void Training_on_a_matrix_without_rows_or_columns_is_refused()
    {
        var noRows = Assert.Throws<ArgumentException>(() => IsolationForest.Train(new double[0, 3]));
        var noColumns = Assert.Throws<ArgumentException>(() => IsolationForest.Train(new float[5, 0]));

        Assert.Contains("no rows", noRows.Message);
        Assert.Contains("no features", noColumns.Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Training_on_a_value_that_is_not_finite_is_refused_naming_row_and_feature(double value)
    {
        double[][] rows = [[1, 2], [2, 3], [3, value]];

        var error = Assert.Throws<ArgumentException>(() => IsolationForest.Train(rows));

        Assert.Contains("Row 2 holds", error.Message);
        Assert.Contains("feature 1", error.Message);
    }

    [Theory]
    [InlineData(0, 256)]
    [InlineData(10_001, 256)]
    [InlineData(100, 1)]
    [InlineData(100, (1 << 20) + 1)]
    public void Options_out_of_range_are_refused(int trees, int sampleSize)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            IsolationForest.Train(s_rows, new IsolationForestOptions { Trees = trees, SampleSize = sampleSize }));
    }

    [Fact]
    public void Scoring_a_row_with_a_nan_is_refused()
    {
        var forest = IsolationForest.Train(s_rows, new IsolationForestOptions { Seed = 1 });

        var error = Assert.Throws<ArgumentException>(() => forest.Score([1.0, double.NaN]));

        Assert.Contains("NaN", error.Message);
    }

    [Fact]
    public void Scoring_a_row_of_the_wrong_length_is_refused()
    {
        var forest = IsolationForest.Train(s_rows, new IsolationForestOptions { Seed = 1 });

        var error = Assert.Throws<ArgumentException>(() => forest.Score([1.0, 2.0, 3.0]));

        Assert.Contains("3 values; the model was trained on 2", error.Message);
    }

    [Fact]
    public void Batch_scoring_into_too_few_scores_is_refused()
    {
        var forest = IsolationForest.Train(s_rows, new IsolationForestOptions { Seed = 1 });

        Assert.Throws<ArgumentException>(() => forest.Score(s_rows, new double[3]));
    }

    [Fact]
    public void Infinite_values_are_scored_at_the_edge_of_the_data()
    {
        var forest = IsolationForest.Train(s_rows, new IsolationForestOptions { Seed = 1 });

        Assert.Equal(forest.Score([1_000.0, 1_000.0]), forest.Score([double.PositiveInfinity, double.PositiveInfinity]));
    }
}
