namespace DmarcSecurity.Core.Ids;

/// <summary>One line that could not be read: its number (1-based, counted from the start of this input) and why.</summary>
public sealed record IdsLineError(long Line, string Reason);

/// <summary>What one <see cref="IdsLogReader.Read"/> pass saw. Filled in as the events are enumerated.</summary>
public sealed class IdsReadStats
{
    /// <summary>Unreadable lines past this many are counted, not described.</summary>
    public const int MaxErrors = 100;

    /// <summary>Distinct skip reasons kept; further ones are counted under "(other)".</summary>
    public const int MaxSkipReasons = 64;

    private readonly Dictionary<string, long> _skipped = new(StringComparer.Ordinal);
    private readonly List<IdsLineError> _errors = [];

    /// <summary>The format read: as named by the caller, or as detected from the content.</summary>
    public IdsFormat? Format { get; internal set; }

    /// <summary>Non-empty, non-comment lines looked at.</summary>
    public long Lines { get; internal set; }

    /// <summary>Events produced.</summary>
    public long Events { get; internal set; }

    /// <summary>Lines that could not be read (too long, not valid UTF-8, malformed, an invalid address, ...).</summary>
    public long Unreadable { get; internal set; }

    /// <summary>Lines read but not turned into events, by reason (e.g. <c>event_type flow</c>, <c>path dns</c>).</summary>
    public IReadOnlyDictionary<string, long> Skipped => _skipped;

    /// <summary>The first <see cref="MaxErrors"/> unreadable lines. Reasons quote at most a short, sanitised excerpt.</summary>
    public IReadOnlyList<IdsLineError> Errors => _errors;

    /// <summary>
    /// Bytes of the input (after gzip inflation) through the last complete line read: where a tailer resumes. When
    /// the caller stops enumerating early, it covers the line of the last event handed out.
    /// </summary>
    public long ConsumedBytes { get; internal set; }

    /// <summary>The last Zeek <c>#fields</c> header seen (or the one given in the options when none was), to resume with.</summary>
    public IReadOnlyList<string>? ZeekFields { get; internal set; }

    internal void AddUnreadable(long line, string reason)
    {
        Unreadable++;
        if (_errors.Count < MaxErrors)
        {
            _errors.Add(new IdsLineError(line, reason));
        }
    }

    internal void AddSkipped(string reason)
    {
        // Reasons come from the input (event types, paths): past a few dozen they are lumped together.
        if (_skipped.Count >= MaxSkipReasons && !_skipped.ContainsKey(reason))
        {
            reason = "(other)";
        }

        _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;
    }
}
