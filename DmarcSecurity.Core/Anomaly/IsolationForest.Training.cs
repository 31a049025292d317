namespace DmarcSecurity.Core.Anomaly;

public sealed partial class IsolationForest
{
    private static IsolationForest Train(double[] data, int count, int dimensions, IsolationForestOptions options, string parameter)
    {
        options.Validate();
        if (dimensions == 0)
        {
            throw new ArgumentException("Rows have no features.", parameter);
        }

        for (var i = 0; i < data.Length; i++)
        {
            if (!double.IsFinite(data[i]))
            {
                throw new ArgumentException($"Row {i / dimensions} holds {data[i]} at feature {i % dimensions}; values must be finite.", parameter);
            }
        }

        var sampleSize = Math.Min(options.SampleSize, count);
        var heightLimit = HeightLimitFor(sampleSize);
        var seeds = new SplitMix64((ulong)(options.Seed ?? Random.Shared.Next()));
        var treeSeeds = new ulong[options.Trees];
        for (var t = 0; t < treeSeeds.Length; t++)
        {
            treeSeeds[t] = seeds.NextUInt64();
        }

        var trees = new Node[options.Trees][];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Parallel ? -1 : 1 };
        Parallel.For(0, trees.Length, parallel, t =>
            trees[t] = new TreeBuilder(data, count, dimensions, sampleSize, heightLimit, treeSeeds[t]).Build());

        var roots = new int[trees.Length];
        var nodes = new Node[trees.Sum(t => t.Length)];
        var offset = 0;
        for (var t = 0; t < trees.Length; t++)
        {
            roots[t] = offset;
            foreach (var node in trees[t])
            {
                nodes[offset++] = node.Feature >= 0 ? node with { Left = node.Left + roots[t] } : node;
            }
        }

        return new IsolationForest(dimensions, sampleSize, nodes, roots);
    }

    /// <summary>Grows one isolation tree on its own sub-sample with its own random stream.</summary>
    private sealed class TreeBuilder
    {
        private readonly double[] _data;
        private readonly int _dimensions;
        private readonly int _heightLimit;
        private readonly int[] _sample;
        private readonly int[] _features;
        private readonly List<Node> _nodes;
        private SplitMix64 _random;

        public TreeBuilder(double[] data, int count, int dimensions, int sampleSize, int heightLimit, ulong seed)
        {
            _data = data;
            _dimensions = dimensions;
            _heightLimit = heightLimit;
            _random = new SplitMix64(seed);
            _sample = Sample(count, sampleSize, ref _random);
            _features = Enumerable.Range(0, dimensions).ToArray();
            _nodes = new List<Node>(2 * sampleSize - 1);
        }

        public Node[] Build()
        {
            _nodes.Add(default);
            Grow(0, 0, _sample.Length, 0);
            return [.. _nodes];
        }

        private void Grow(int index, int start, int length, int depth)
        {
            if (depth >= _heightLimit || length <= 1 || !TryChooseSplit(start, length, out var feature, out var value))
            {
                _nodes[index] = new Node { Feature = -1, Value = depth + AveragePathLength(length) };
                return;
            }

            // Partition the node's rows in place: below the split value first.
            var rows = _sample.AsSpan(start, length);
            var below = 0;
            for (var i = 0; i < rows.Length; i++)
            {
                if (_data[(rows[i] * _dimensions) + feature] < value)
                {
                    (rows[below], rows[i]) = (rows[i], rows[below]);
                    below++;
                }
            }

            var left = _nodes.Count;
            _nodes.Add(default);
            _nodes.Add(default);
            _nodes[index] = new Node { Feature = feature, Value = value, Left = left };
            Grow(left, start, below, depth + 1);
            Grow(left + 1, start + below, length - below, depth + 1);
        }

        /// <summary>
        /// Picks a feature uniformly among those that still vary in the node (features in a random order until one
        /// does) and a split value uniformly between its minimum and maximum there. A node whose rows are all equal
        /// cannot be split: it becomes an external node holding them all, so identical rows get h = depth + c(size).
        /// </summary>
        private bool TryChooseSplit(int start, int length, out int feature, out double value)
        {
            var rows = _sample.AsSpan(start, length);
            for (var k = 0; k < _features.Length; k++)
            {
                var pick = k + _random.Next(_features.Length - k);
                (_features[k], _features[pick]) = (_features[pick], _features[k]);
                feature = _features[k];
                double min = double.PositiveInfinity, max = double.NegativeInfinity;
                foreach (var row in rows)
                {
                    var x = _data[(row * _dimensions) + feature];
                    min = Math.Min(min, x);
                    max = Math.Max(max, x);
                }

                if (min < max)
                {
                    value = min + (_random.NextDouble() * (max - min));
                    // Rounding may land on the minimum, which would leave the left side empty; the maximum splits off
                    // at least one row on each side.
                    if (value <= min || value > max)
                    {
                        value = max;
                    }

                    return true;
                }
            }

            feature = -1;
            value = 0;
            return false;
        }

        /// <summary>ψ distinct row indices drawn uniformly without replacement: a partial Fisher–Yates shuffle over a
        /// virtual 0..count−1 whose swapped entries live in a dictionary, so it costs O(ψ), not O(count).</summary>
        private static int[] Sample(int count, int sampleSize, ref SplitMix64 random)
        {
            if (sampleSize == count)
            {
                return Enumerable.Range(0, count).ToArray();
            }

            var swapped = new Dictionary<int, int>(sampleSize * 2);
            var sample = new int[sampleSize];
            for (var i = 0; i < sampleSize; i++)
            {
                var j = i + random.Next(count - i);
                var atJ = swapped.GetValueOrDefault(j, j);
                swapped[j] = swapped.GetValueOrDefault(i, i);
                sample[i] = atJ;
            }

            return sample;
        }
    }
}
