namespace DmarcSecurity.Learning.Anomaly;

/// <summary>How a <see cref="PcaAnomalyDetector"/> is trained.</summary>
public sealed record PcaAnomalyDetectorOptions
{
    /// <summary>Number of principal components kept, from 1 to one less than the features; null keeps half the
    /// features (at least one), which suits data whose normal rows vary along a few correlated directions.</summary>
    public int? Rank { get; init; }

    /// <summary>ML.NET's oversampling of the randomized SVD: extra random directions that make the top components
    /// accurate.</summary>
    public int Oversampling { get; init; } = 20;

    /// <summary>Scales every feature to zero mean and unit variance (over the training rows) before the PCA, so a
    /// feature counted in thousands does not drown one that is a rate.</summary>
    public bool Standardize { get; init; } = true;

    /// <summary>Seed of the randomized SVD; null lets ML.NET draw one.</summary>
    public int? Seed { get; init; }
}
