using DmarcSecurity.Core.Ids;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DmarcSecurity.Data.Ids;

/// <summary>Where one IDS log tailer stands in one file it follows: written in the transaction that stores the lines
/// read, so a restart resumes exactly after them.</summary>
public sealed class IdsTailPositionEntity
{
    public long Id { get; set; }

    /// <summary>The tailer's configured name.</summary>
    public required string Tailer { get; set; }

    /// <summary>The full path the file was followed at.</summary>
    public required string Path { get; set; }

    /// <summary>The file system's device number; 0 where the platform has no inodes.</summary>
    public long Device { get; set; }

    /// <summary>The inode; where the platform has none, the file's creation time in ticks.</summary>
    public long Inode { get; set; }

    /// <summary>Bytes read and stored: the next read starts here.</summary>
    public long Offset { get; set; }

    /// <summary>The file's size when last read.</summary>
    public long LastSize { get; set; }

    /// <summary>The format named or detected on the first read, so a later read from the middle of the file (where a
    /// Zeek TSV log has no header to detect it by) is read the same way.</summary>
    public IdsFormat? Format { get; set; }

    /// <summary>The Zeek <c>#fields</c> header read earlier in this file, tab-separated.</summary>
    public string? ZeekFields { get; set; }

    /// <summary>Bumped by every write; a write that finds another version loses (another instance moved on).</summary>
    public long Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class IdsTailPositionConfiguration : IEntityTypeConfiguration<IdsTailPositionEntity>
{
    public void Configure(EntityTypeBuilder<IdsTailPositionEntity> builder)
    {
        builder.ToTable("ids_tail_positions");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasColumnName("id");
        builder.Property(p => p.Tailer).HasColumnName("tailer");
        builder.Property(p => p.Path).HasColumnName("path");
        builder.Property(p => p.Device).HasColumnName("device");
        builder.Property(p => p.Inode).HasColumnName("inode");
        builder.Property(p => p.Offset).HasColumnName("file_offset");
        builder.Property(p => p.LastSize).HasColumnName("last_size");
        builder.Property(p => p.Format).HasColumnName("format").HasConversion<string>();
        builder.Property(p => p.ZeekFields).HasColumnName("zeek_fields");
        builder.Property(p => p.Version).HasColumnName("version").IsConcurrencyToken();
        builder.Property(p => p.UpdatedAt).HasColumnName("updated_at");
        builder.HasIndex(p => new { p.Tailer, p.Path }).IsUnique();
    }
}
