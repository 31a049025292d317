using System.Text.Unicode;

namespace DmarcSecurity.Core.Ids;

/// <summary>One format's reader of single lines. Keeps the counts; a line's problems never stop the input.</summary>
internal abstract class LineParser(IdsReadStats stats, IdsReadOptions options)
{
    protected IdsReadStats Stats { get; } = stats;

    protected IdsReadOptions Options { get; } = options;

    /// <summary>Values shared within the read (signatures, protocols, names).</summary>
    protected Utf8Cache Values { get; } = new();

    /// <summary>Canonical address text by the bytes it was written as.</summary>
    protected Utf8Cache Addresses { get; } = new();

    public IdsEvent? Read(ReadOnlySpan<byte> line, long number)
    {
        if (line.IndexOfAnyExcept(" \t\r"u8) < 0)
        {
            return null;
        }

        if (line[0] == '#' && ReadComment(line, number))
        {
            return null;
        }

        Stats.Lines++;
        string? error;
        IdsEvent? read = null;
        if (line.IndexOf((byte)0) >= 0)
        {
            error = "NUL byte in line";
        }
        else if (!Utf8.IsValid(line))
        {
            error = "not valid UTF-8";
        }
        else
        {
            read = ReadLine(line, out error);
        }

        if (read is not null)
        {
            Stats.Events++;
        }
        else if (error is not null)
        {
            Stats.AddUnreadable(number, error);
        }

        return read;
    }

    /// <summary>Reads a line starting with '#'; false when the format has no comments and it is a data line.</summary>
    protected virtual bool ReadComment(ReadOnlySpan<byte> line, long number) => false;

    /// <summary>
    /// An event, or null with <paramref name="error"/> saying why the line is unreadable, or null with no error when
    /// the line was read and skipped (the parser counts it under its reason).
    /// </summary>
    protected abstract IdsEvent? ReadLine(ReadOnlySpan<byte> line, out string? error);

    public virtual void Finish()
    {
    }
}
