using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Learning;

/// <summary>One trained learned-severity model: what it learned from, how well it did, and whether it advises now.</summary>
public sealed class SeverityModelEntity
{
    public int Version { get; set; }

    public DateTimeOffset TrainedAt { get; set; }

    /// <summary>The Admin who asked, or <c>schedule</c> for the weekly training.</summary>
    public required string TrainedBy { get; set; }

    public int Examples { get; set; }

    public int Confirmed { get; set; }

    public int Dismissed { get; set; }

    /// <summary>The feature names, in order, as a JSON array: a model reads decisions the way it was trained.</summary>
    public required string Features { get; set; }

    /// <summary>AUC, precision at k and the confusion matrix on the held-out verdicts, as JSON.</summary>
    public required string Metrics { get; set; }

    public required byte[] Model { get; set; }

    /// <summary>At most one model is active: the one whose advice is shown.</summary>
    public bool Active { get; set; }

    public DateTimeOffset? ActivatedAt { get; set; }

    public string? ActivatedBy { get; set; }

    /// <summary>An Admin let this (active) model decide: it raises decisions it rates higher than the rules did.</summary>
    public bool Decides { get; set; }

    public DateTimeOffset? DecidesSince { get; set; }

    public string? DecidesBy { get; set; }
}

/// <summary>What a model advised for a decision.</summary>
public sealed class SeverityPredictionEntity
{
    public long Id { get; set; }

    public Guid DecisionId { get; set; }

    public int ModelVersion { get; set; }

    public DateTimeOffset PredictedAt { get; set; }

    /// <summary>The probability that analysts confirm the decision.</summary>
    public double Probability { get; set; }

    public required string Severity { get; set; }

    public double Confidence { get; set; }
}

internal sealed class SeverityModelConfiguration : IEntityTypeConfiguration<SeverityModelEntity>
{
    public void Configure(EntityTypeBuilder<SeverityModelEntity> builder)
    {
        builder.ToTable("severity_models");
        builder.HasKey(m => m.Version);
        builder.Property(m => m.Version).HasColumnName("version");
        builder.Property(m => m.TrainedAt).HasColumnName("trained_at");
        builder.Property(m => m.TrainedBy).HasColumnName("trained_by");
        builder.Property(m => m.Examples).HasColumnName("examples");
        builder.Property(m => m.Confirmed).HasColumnName("confirmed");
        builder.Property(m => m.Dismissed).HasColumnName("dismissed");
        builder.Property(m => m.Features).HasColumnName("features");
        builder.Property(m => m.Metrics).HasColumnName("metrics");
        builder.Property(m => m.Model).HasColumnName("model");
        builder.Property(m => m.Active).HasColumnName("active");
        builder.Property(m => m.ActivatedAt).HasColumnName("activated_at");
        builder.Property(m => m.ActivatedBy).HasColumnName("activated_by");
        builder.Property(m => m.Decides).HasColumnName("decides");
        builder.Property(m => m.DecidesSince).HasColumnName("decides_since");
        builder.Property(m => m.DecidesBy).HasColumnName("decides_by");
    }
}

internal sealed class SeverityPredictionConfiguration : IEntityTypeConfiguration<SeverityPredictionEntity>
{
    public void Configure(EntityTypeBuilder<SeverityPredictionEntity> builder)
    {
        builder.ToTable("severity_predictions");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasColumnName("id");
        builder.Property(p => p.DecisionId).HasColumnName("decision_id");
        builder.Property(p => p.ModelVersion).HasColumnName("model_version");
        builder.Property(p => p.PredictedAt).HasColumnName("predicted_at");
        builder.Property(p => p.Probability).HasColumnName("probability");
        builder.Property(p => p.Severity).HasColumnName("severity");
        builder.Property(p => p.Confidence).HasColumnName("confidence");
    }
}
