namespace DmarcSecurity.Core.Anomaly;

/// <summary>Area under the ROC curve of anomaly scores against known labels: how to judge a detector on data whose
/// outliers an analyst has confirmed.</summary>
public static class RocAuc
{
    /// <summary>
    /// The probability that a random outlier scores higher than a random normal row (ties count half): the
    /// Mann–Whitney U statistic over mean ranks, 1 for a perfect ranking, 0.5 for chance.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or one of the two classes is empty.</exception>
    public static double Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> isOutlier)
    {
        if (scores.Length != isOutlier.Length)
        {
            throw new ArgumentException($"{scores.Length} scores for {isOutlier.Length} labels.", nameof(isOutlier));
        }

        var order = new int[scores.Length];
        var sorted = scores.ToArray();
        if (sorted.Any(double.IsNaN))
        {
            throw new ArgumentException("A score is NaN.", nameof(scores));
        }

        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(sorted, order);
        double outlierRankSum = 0;
        long outliers = 0;
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[i])
            {
                j++;
            }

            var meanRank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                if (isOutlier[order[k]])
                {
                    outlierRankSum += meanRank;
                    outliers++;
                }
            }

            i = j + 1;
        }

        long normals = scores.Length - outliers;
        if (outliers == 0 || normals == 0)
        {
            throw new ArgumentException("Both outliers and normal rows are needed.", nameof(isOutlier));
        }

        return (outlierRankSum - (outliers * (outliers + 1) / 2.0)) / ((double)outliers * normals);
    }
}
