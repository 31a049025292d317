namespace DmarcSecurity.Core.Reports;

/// <summary>
/// Shares one string instance per distinct value (domains, selectors) within a report. A large report repeats
/// the same few domains thousands of times, so this saves most of the allocations for those fields.
/// </summary>
internal sealed class ValuePool
{
    private const int MaxEntries = 16 * 1024;

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public ValuePool() => _lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        if (_lookup.TryGetValue(value, out var pooled))
        {
            return pooled;
        }

        var text = value.ToString();
        if (_values.Count < MaxEntries)
        {
            _values.Add(text, text);
        }

        return text;
    }
}
