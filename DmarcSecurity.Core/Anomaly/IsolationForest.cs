using System.Runtime.InteropServices;

namespace DmarcSecurity.Core.Anomaly;

/// <summary>
/// A trained Isolation Forest (Liu, Ting and Zhou, ICDM 2008; ACM TKDD 2012): anomalies are few and different, so
/// random axis-parallel splits isolate them in fewer steps than normal points. The score of a row x is
/// s(x, ψ) = 2^(−E(h(x)) / c(ψ)), where h(x) is x's path length in one tree and c(ψ) the average path length of an
/// unsuccessful search in a binary search tree of ψ points: close to 1 for anomalies, below 0.5 for normal rows,
/// about 0.5 everywhere when no row stands out. Immutable and safe to score from many threads.
/// </summary>
public sealed partial class IsolationForest
{
    /// <summary>The Euler–Mascheroni constant γ of the harmonic number approximation H(i) ≈ ln(i) + γ.</summary>
    public const double EulerGamma = 0.5772156649;

    // Nodes of every tree, each tree's in one contiguous run that starts at its root, children of a node side by side
    // (right = left + 1) so the walk is one comparison and one add per level.
    private readonly Node[] _nodes;
    private readonly int[] _roots;
    private readonly double _averagePathLength;

    private IsolationForest(int dimensions, int sampleSize, Node[] nodes, int[] roots)
    {
        Dimensions = dimensions;
        SampleSize = sampleSize;
        _nodes = nodes;
        _roots = roots;
        _averagePathLength = AveragePathLength(sampleSize);
    }

    /// <summary>Number of features of a row.</summary>
    public int Dimensions { get; }

    /// <summary>The sub-sample size ψ the trees were grown on (the smaller of the option and the training rows).</summary>
    public int SampleSize { get; }

    /// <summary>Number of trees.</summary>
    public int TreeCount => _roots.Length;

    /// <summary>The trees' height limit ceil(log2 ψ).</summary>
    public int HeightLimit => HeightLimitFor(SampleSize);

    /// <summary>
    /// c(n) = 2H(n − 1) − 2(n − 1)/n with H(i) ≈ ln(i) + γ: the average path length of an unsuccessful search in a
    /// binary search tree of n points, which normalises h(x). c(2) = 1, the exact value (the approximation would give
    /// 2γ − 1 ≈ 0.154, which is off because ln(1) + γ is a poor H(1) = 1), as the 2012 paper defines it; c(n) = 0 for n ≤ 1.
    /// </summary>
    public static double AveragePathLength(int n) => n switch
    {
        <= 1 => 0,
        2 => 1,
        _ => (2 * (Math.Log(n - 1.0) + EulerGamma)) - (2.0 * (n - 1) / n),
    };

    /// <summary>Trains a forest on <paramref name="rows"/>, all of one length, with finite values.</summary>
    /// <exception cref="ArgumentException">No rows, rows of different lengths or without features, or a NaN or
    /// infinite value.</exception>
    public static IsolationForest Train(IReadOnlyList<double[]> rows, IsolationForestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("There are no rows to train on.", nameof(rows));
        }

        var dimensions = rows[0]?.Length ?? throw new ArgumentException("Row 0 is null.", nameof(rows));
        var data = new double[checked(rows.Count * dimensions)];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Length != dimensions)
            {
                throw new ArgumentException($"Row {i} has {row.Length} values where row 0 has {dimensions}.", nameof(rows));
            }

            row.CopyTo(data, i * dimensions);
        }

        return Train(data, rows.Count, dimensions, options ?? new IsolationForestOptions(), nameof(rows));
    }

    /// <summary>Trains a forest on the rows of <paramref name="matrix"/> (one row per instance, one column per feature).</summary>
    /// <exception cref="ArgumentException">No rows or columns, or a NaN or infinite value.</exception>
    public static IsolationForest Train(double[,] matrix, IsolationForestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckShape(matrix.GetLength(0), matrix.GetLength(1), nameof(matrix));
        var data = MemoryMarshal.CreateReadOnlySpan(ref matrix[0, 0], matrix.Length).ToArray();
        return Train(data, matrix.GetLength(0), matrix.GetLength(1), options ?? new IsolationForestOptions(), nameof(matrix));
    }

    /// <summary>Trains a forest on the rows of a single-precision <paramref name="matrix"/>.</summary>
    /// <exception cref="ArgumentException">No rows or columns, or a NaN or infinite value.</exception>
    public static IsolationForest Train(float[,] matrix, IsolationForestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckShape(matrix.GetLength(0), matrix.GetLength(1), nameof(matrix));
        var data = new double[matrix.Length];
        var source = MemoryMarshal.CreateReadOnlySpan(ref matrix[0, 0], matrix.Length);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = source[i];
        }

        return Train(data, matrix.GetLength(0), matrix.GetLength(1), options ?? new IsolationForestOptions(), nameof(matrix));
    }

    /// <summary>The anomaly score s(x, ψ) of one row, in (0, 1).</summary>
    /// <exception cref="ArgumentException">The row's length is not <see cref="Dimensions"/>, or it holds a NaN.</exception>
    public double Score(ReadOnlySpan<double> row)
    {
        CheckRow(row, 0);
        return ScoreChecked(row);
    }

    /// <summary>Scores every row of <paramref name="rows"/> into <paramref name="scores"/>.</summary>
    /// <exception cref="ArgumentException">A row of the wrong length or with a NaN, or fewer scores than rows.</exception>
    public void Score(IReadOnlyList<double[]> rows, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (scores.Length < rows.Count)
        {
            throw new ArgumentException($"{scores.Length} scores cannot hold {rows.Count} rows.", nameof(scores));
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            CheckRow(row, i);
            scores[i] = ScoreChecked(row);
        }
    }

    /// <summary>Scores every row of <paramref name="matrix"/> into <paramref name="scores"/>.</summary>
    /// <exception cref="ArgumentException">Columns other than <see cref="Dimensions"/>, a NaN, or fewer scores than rows.</exception>
    public void Score(double[,] matrix, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var count = matrix.GetLength(0);
        if (scores.Length < count)
        {
            throw new ArgumentException($"{scores.Length} scores cannot hold {count} rows.", nameof(scores));
        }

        var columns = matrix.GetLength(1);
        if (count > 0 && columns != Dimensions)
        {
            throw new ArgumentException($"Rows have {columns} values; the model was trained on {Dimensions}.", nameof(matrix));
        }

        if (count == 0)
        {
            return;
        }

        var all = MemoryMarshal.CreateReadOnlySpan(ref matrix[0, 0], matrix.Length);
        for (var i = 0; i < count; i++)
        {
            var row = all.Slice(i * columns, columns);
            CheckRow(row, i);
            scores[i] = ScoreChecked(row);
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

    /// <summary>The mean path length E(h(x)) of one row over the trees, before normalisation.</summary>
    public double MeanPathLength(ReadOnlySpan<double> row)
    {
        CheckRow(row, 0);
        return PathLengthSum(row) / _roots.Length;
    }

    private double ScoreChecked(ReadOnlySpan<double> row)
    {
        // Trained on a single row, ψ = 1 and c(1) = 0: there is nothing to normalise by and nothing stands out.
        if (_averagePathLength == 0)
        {
            return 0.5;
        }

        return Math.Pow(2, -(PathLengthSum(row) / _roots.Length) / _averagePathLength);
    }

    private double PathLengthSum(ReadOnlySpan<double> row)
    {
        var nodes = _nodes;
        var sum = 0.0;
        foreach (var root in _roots)
        {
            var index = root;
            ref readonly var node = ref nodes[index];
            while (node.Feature >= 0)
            {
                index = node.Left + (row[node.Feature] < node.Value ? 0 : 1);
                node = ref nodes[index];
            }

            sum += node.Value;
        }

        return sum;
    }

    private void CheckRow(ReadOnlySpan<double> row, int index)
    {
        if (row.Length != Dimensions)
        {
            throw new ArgumentException($"Row {index} has {row.Length} values; the model was trained on {Dimensions}.", nameof(row));
        }

        foreach (var value in row)
        {
            if (double.IsNaN(value))
            {
                throw new ArgumentException($"Row {index} holds NaN.", nameof(row));
            }
        }
    }

    private static void CheckShape(int rows, int columns, string parameter)
    {
        if (rows == 0)
        {
            throw new ArgumentException("There are no rows to train on.", parameter);
        }

        if (columns == 0)
        {
            throw new ArgumentException("Rows have no features.", parameter);
        }
    }

    private static int HeightLimitFor(int sampleSize) => sampleSize <= 1 ? 0 : 32 - int.LeadingZeroCount(sampleSize - 1);

    /// <summary>One node. An internal node splits on <see cref="Feature"/> at <see cref="Value"/> (rows below go to
    /// <see cref="Left"/>, the rest to Left + 1); an external node has Feature −1 and holds in Value its whole
    /// contribution to h(x): its depth plus c(size) for the instances it could not isolate.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Node
    {
        public double Value;
        public int Feature;
        public int Left;
    }
}
