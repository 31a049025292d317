using DmarcSecurity.Core.Anomaly;
using DmarcSecurity.Testing.Anomaly;
using Xunit.Abstractions;

namespace DmarcSecurity.Core.Tests.Anomaly;

public sealed class IsolationForestTests(ITestOutputHelper output)
{
    // c(n) = 2(ln(n − 1) + γ) − 2(n − 1)/n, worked by hand with ln 2 = 0.6931472, ln 3 = 1.0986123, ln 9 = 2.1972246,
    // ln 255 = 5.5412635 and γ = 0.5772157: c(3) = 2(1.2703628) − 1.3333333, c(4) = 2(1.6758280) − 1.5,
    // c(10) = 2(2.7744403) − 1.8, c(256) = 2(6.1184792) − 1.9921875. c(2) = 1 and c(1) = 0 by definition.
    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 1.0)]
    [InlineData(3, 1.2073924)]
    [InlineData(4, 1.8516559)]
    [InlineData(10, 3.7488805)]
    [InlineData(256, 10.2447709)]
    public void Average_path_length_is_the_unsuccessful_search_length_of_a_binary_search_tree(int n, double expected)
    {
        Assert.Equal(expected, IsolationForest.AveragePathLength(n), 6);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(100, 7)]
    [InlineData(256, 8)]
    [InlineData(257, 9)]
    public void Height_limit_is_the_ceiling_of_log2_of_the_sample_size(int rows, int expected)
    {
        var data = OutlierData.GaussianClusters(rows, 0, 2, 1, seed: 1);

        var forest = IsolationForest.Train(data.Rows, new IsolationForestOptions { Trees = 5, SampleSize = 1024, Seed = 1 });

        Assert.Equal(rows, forest.SampleSize);
        Assert.Equal(expected, forest.HeightLimit);
    }

    [Fact]
    public void Points_of_a_dense_cluster_score_below_one_half_and_a_far_outlier_above_0_6()
    {
        var cluster = OutlierData.GaussianClusters(2_000, 0, 2, 1, seed: 7);
        var centre = Enumerable.Range(0, 2).Select(j => cluster.Rows.Average(r => r[j])).ToArray();
        var forest = IsolationForest.Train(cluster.Rows, new IsolationForestOptions { Seed = 7 });

        var atCentre = forest.Score(centre);
        var nearCentre = forest.Score([centre[0] + 0.3, centre[1] - 0.3]);
        var farAway = forest.Score([centre[0] + 10, centre[1] + 10]);

        output.WriteLine($"centre {atCentre:F4}, near {nearCentre:F4}, far {farAway:F4}");
        Assert.InRange(atCentre, 0.3, 0.45);
        Assert.InRange(nearCentre, 0.3, 0.45);
        Assert.InRange(farAway, 0.7, 0.8);
    }

    // Every row equal: no feature varies, so the root cannot be split and each tree is one external node holding all
    // ψ rows. Every point, one of those rows or any other, then has h(x) = 0 + c(ψ) in every tree, E(h(x)) = c(ψ)
    // and s = 2^(−c(ψ)/c(ψ)) = 2^−1 = 0.5 exactly: the paper's "no distinct anomaly" reading.
    [Fact]
    public void Identical_instances_give_every_point_a_score_of_exactly_one_half()
    {
        var rows = Enumerable.Range(0, 300).Select(_ => new[] { 1.0, 2.0, 3.0 }).ToArray();

        var forest = IsolationForest.Train(rows, new IsolationForestOptions { Seed = 3 });

        // Equal up to the rounding of averaging 100 equal path lengths.
        Assert.Equal(IsolationForest.AveragePathLength(256), forest.MeanPathLength([1.0, 2.0, 3.0]), 12);
        Assert.Equal(0.5, forest.Score([1.0, 2.0, 3.0]), 12);
        Assert.Equal(0.5, forest.Score([1_000.0, -50.0, 3.0]), 12);
    }

    [Fact]
    public void A_model_trained_on_one_row_scores_every_point_one_half_and_survives_storage()
    {
        var forest = IsolationForest.Train([[1.0, 2.0]], new IsolationForestOptions { Seed = 4 });

        var restored = IsolationForest.FromBytes(forest.ToBytes());

        Assert.Equal((1, 0), (forest.SampleSize, forest.HeightLimit));
        Assert.Equal(0.5, forest.Score([1.0, 2.0]));
        Assert.Equal(0.5, restored.Score([50.0, -3.0]));
    }

    // Measured with these seeds: AUC 0.971 with 2 features, 1.000 with 5 to 20. Uniform outliers that fall inside a cluster are
    // indistinguishable from it, which is what keeps the 2-feature figure below 1; in more dimensions few land near one.
    [Theory]
    [InlineData(2, 3, 11)]
    [InlineData(5, 4, 12)]
    [InlineData(10, 5, 13)]
    [InlineData(20, 3, 14)]
    public void Scores_rank_uniform_outliers_above_gaussian_clusters_with_a_roc_auc_of_at_least_0_95(int dimensions, int clusters, int seed)
    {
        var data = OutlierData.GaussianClusters(2_000, 100, dimensions, clusters, seed);
        var forest = IsolationForest.Train(data.Rows, new IsolationForestOptions { Seed = seed });

        var auc = RocAuc.Compute(forest.Score(data.Rows), data.IsOutlier);

        output.WriteLine($"ROC AUC {auc:F4} with {dimensions} features");
        Assert.True(auc >= 0.95, $"ROC AUC {auc:F4} with {dimensions} features");
    }

    [Fact]
    public void Same_seed_gives_the_same_model_bit_for_bit_whether_trained_in_parallel_or_not()
    {
        var data = OutlierData.GaussianClusters(3_000, 50, 4, 3, seed: 5);

        var parallel = IsolationForest.Train(data.Rows, new IsolationForestOptions { Seed = 42 });
        var again = IsolationForest.Train(data.Rows, new IsolationForestOptions { Seed = 42 });
        var sequential = IsolationForest.Train(data.Rows, new IsolationForestOptions { Seed = 42, Parallel = false });
        var otherSeed = IsolationForest.Train(data.Rows, new IsolationForestOptions { Seed = 43 });

        Assert.Equal(parallel.ToBytes(), again.ToBytes());
        Assert.Equal(parallel.ToBytes(), sequential.ToBytes());
        Assert.Equal(parallel.Score(data.Rows), sequential.Score(data.Rows));
        Assert.NotEqual(parallel.Score(data.Rows), otherSeed.Score(data.Rows));
    }

    [Fact]
    public void Matrix_and_row_list_inputs_train_the_same_model()
    {
        var data = OutlierData.GaussianClusters(500, 20, 3, 2, seed: 8);
        var matrix = new double[data.Rows.Length, 3];
        for (var i = 0; i < data.Rows.Length; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                matrix[i, j] = data.Rows[i][j];
            }
        }

        var fromRows = IsolationForest.Train(data.Rows, new IsolationForestOptions { Seed = 9 });
        var fromMatrix = IsolationForest.Train(matrix, new IsolationForestOptions { Seed = 9 });
        var scores = new double[data.Rows.Length];
        fromMatrix.Score(matrix, scores);

        Assert.Equal(fromRows.ToBytes(), fromMatrix.ToBytes());
        Assert.Equal(fromRows.Score(data.Rows), scores);
    }

    [Fact]
    public void Single_row_and_batch_scores_agree()
    {
        var data = OutlierData.GaussianClusters(1_000, 30, 3, 2, seed: 10);
        var forest = IsolationForest.Train(data.Rows, new IsolationForestOptions { Seed = 10 });

        var batch = new double[data.Rows.Length];
        forest.Score(data.Rows, batch);

        Assert.Equal(data.Rows.Select(r => forest.Score(r)), batch);
        Assert.All(batch, s => Assert.InRange(s, double.Epsilon, 1.0));
    }
}
