namespace DmarcSecurity.Core.Anomaly;

/// <summary>How an <see cref="IsolationForest"/> is trained (Liu, Ting and Zhou, 2008): t trees, each grown on a
/// sub-sample of ψ rows drawn without replacement, to a height limit of ceil(log2 ψ).</summary>
public sealed record IsolationForestOptions
{
    /// <summary>Largest accepted <see cref="Trees"/>.</summary>
    public const int MaxTrees = 10_000;

    /// <summary>Largest accepted <see cref="SampleSize"/>: trees of at most 2ψ − 1 nodes, 20 levels.</summary>
    public const int MaxSampleSize = 1 << 20;

    /// <summary>Number of isolation trees t; the paper finds path lengths converge well before 100.</summary>
    public int Trees { get; init; } = 100;

    /// <summary>Sub-sample size ψ per tree; smaller than the training set when it has more rows (the paper's 256).</summary>
    public int SampleSize { get; init; } = 256;

    /// <summary>Seed of the random draws. The same rows, options and seed give the same trees, bit for bit, whatever
    /// the number of threads; null draws a seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Trains the trees on several threads (each tree has its own random stream, so the result does not
    /// depend on it).</summary>
    public bool Parallel { get; init; } = true;

    internal void Validate()
    {
        if (Trees is < 1 or > MaxTrees)
        {
            throw new ArgumentOutOfRangeException(nameof(Trees), Trees, $"Trees must be between 1 and {MaxTrees}.");
        }

        if (SampleSize is < 2 or > MaxSampleSize)
        {
            throw new ArgumentOutOfRangeException(nameof(SampleSize), SampleSize, $"SampleSize must be between 2 and {MaxSampleSize}.");
        }
    }
}
