using System.Buffers.Binary;
using DmarcSecurity.Core.Anomaly;
using DmarcSecurity.Testing.Anomaly;

namespace DmarcSecurity.Core.Tests.Anomaly;

public sealed class IsolationForestStorageTests
{
    private static readonly LabelledRows s_data = OutlierData.GaussianClusters(2_000, 100, 5, 3, seed: 21);
    private static readonly IsolationForest s_forest = IsolationForest.Train(s_data.Rows, new IsolationForestOptions { Seed = 21 });

    [Fact]
    public void Bytes_round_trip_gives_identical_scores()
    {
        var bytes = s_forest.ToBytes();

        var restored = IsolationForest.FromBytes(bytes);

        Assert.Equal(s_forest.Score(s_data.Rows), restored.Score(s_data.Rows));
        Assert.Equal(bytes, restored.ToBytes());
        Assert.Equal((5, 256, 100), (restored.Dimensions, restored.SampleSize, restored.TreeCount));
    }

    [Fact]
    public void Json_round_trip_gives_identical_scores()
    {
        var json = s_forest.ToJson();

        var restored = IsolationForest.FromJson(json);

        Assert.StartsWith("{\"format\":\"DmarcSecurity.IsolationForest\",\"version\":1,\"dimensions\":5,\"sampleSize\":256,", json);
        Assert.Equal(s_forest.Score(s_data.Rows), restored.Score(s_data.Rows));
        Assert.Equal(s_forest.ToBytes(), restored.ToBytes());
    }

    [Fact]
    public void Truncated_bytes_are_refused_at_every_length()
    {
        var bytes = s_forest.ToBytes();

        foreach (var length in new[] { 0, 3, 17, 18, 21, 30, bytes.Length / 2, bytes.Length - 1 })
        {
            var error = Assert.Throws<InvalidDataException>(() => IsolationForest.FromBytes(bytes.AsSpan(0, length)));
            Assert.StartsWith("Stored Isolation Forest model is invalid", error.Message);
        }
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var bytes = s_forest.ToBytes().Concat(new byte[] { 0 }).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => IsolationForest.FromBytes(bytes));

        Assert.Contains("1 bytes after the last tree", error.Message);
    }

    [Fact]
    public void Another_format_version_is_refused_naming_both_versions()
    {
        var bytes = s_forest.ToBytes();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 2);

        var error = Assert.Throws<InvalidDataException>(() => IsolationForest.FromBytes(bytes));

        Assert.Contains("format version 2; this build reads version 1", error.Message);
    }

    [Fact]
    public void Bytes_of_something_else_are_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => IsolationForest.FromBytes("{\"format\":\"x\",\"version\":1}"u8));

        Assert.Contains("not an Isolation Forest model", error.Message);
    }

    [Theory]
    [InlineData(6, int.MaxValue, "dimensions")]
    [InlineData(6, 0, "dimensions")]
    [InlineData(10, int.MaxValue, "sample size")]
    [InlineData(14, int.MaxValue, "trees")]
    [InlineData(14, -1, "trees")]
    [InlineData(18, int.MaxValue, "tree 0 declares")]
    [InlineData(18, 0, "tree 0 declares")]
    public void Absurd_sizes_are_refused_before_anything_is_allocated(int offset, int value, string named)
    {
        var bytes = s_forest.ToBytes();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), value);

        var error = Assert.Throws<InvalidDataException>(() => IsolationForest.FromBytes(bytes));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void A_child_that_points_back_up_the_tree_is_refused_so_a_walk_always_ends()
    {
        var bytes = s_forest.ToBytes();
        // The first tree's root: feature at 22, left child at 26; pointing it at itself would loop forever.
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(26), 0);

        var error = Assert.Throws<InvalidDataException>(() => IsolationForest.FromBytes(bytes));

        Assert.Contains("tree 0 node 0", error.Message);
    }

    [Fact]
    public void A_split_on_a_feature_the_model_does_not_have_is_refused()
    {
        var bytes = s_forest.ToBytes();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), 5);

        var error = Assert.Throws<InvalidDataException>(() => IsolationForest.FromBytes(bytes));

        Assert.Contains("splits feature 5", error.Message);
    }

    [Fact]
    public void Json_of_another_version_or_cut_short_is_refused()
    {
        var json = s_forest.ToJson();

        var version = Assert.Throws<InvalidDataException>(() => IsolationForest.FromJson(json.Replace("\"version\":1", "\"version\":7")));
        var truncated = Assert.Throws<InvalidDataException>(() => IsolationForest.FromJson(json[..(json.Length / 2)]));
        var empty = Assert.Throws<InvalidDataException>(() => IsolationForest.FromJson("{}"));

        Assert.Contains("format version 7", version.Message);
        Assert.Contains("not readable JSON", truncated.Message);
        Assert.Contains("is not DmarcSecurity.IsolationForest", empty.Message);
    }

    [Fact]
    public void Json_with_tree_arrays_of_different_lengths_is_refused()
    {
        var json = s_forest.ToJson();
        var cut = json.IndexOf("\"values\":[", StringComparison.Ordinal) + "\"values\":[".Length;
        var damaged = json[..cut] + json[(json.IndexOf(',', cut) + 1)..];

        var error = Assert.Throws<InvalidDataException>(() => IsolationForest.FromJson(damaged));

        Assert.Contains("tree 0 has", error.Message);
    }
}
