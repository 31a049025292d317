using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Jobs;

public enum JobOutcome
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>One run of a scheduled job.</summary>
public sealed class JobRunEntity
{
    public long Id { get; set; }

    public required string Job { get; set; }

    /// <summary><c>schedule</c>, or <c>manual:&lt;who&gt;</c>.</summary>
    public required string Trigger { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public JobOutcome Outcome { get; set; }

    /// <summary>What the run did, in a sentence.</summary>
    public string? Summary { get; set; }

    public string? Error { get; set; }
}

internal sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRunEntity>
{
    public void Configure(EntityTypeBuilder<JobRunEntity> builder)
    {
        builder.ToTable("job_runs");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasColumnName("id");
        builder.Property(r => r.Job).HasColumnName("job");
        builder.Property(r => r.Trigger).HasColumnName("trigger");
        builder.Property(r => r.StartedAt).HasColumnName("started_at");
        builder.Property(r => r.FinishedAt).HasColumnName("finished_at");
        builder.Property(r => r.Outcome).HasColumnName("outcome").HasConversion<string>();
        builder.Property(r => r.Summary).HasColumnName("summary");
        builder.Property(r => r.Error).HasColumnName("error");
    }
}
