namespace DmarcSecurity.Core.Reports;

/// <summary>Collects parse warnings, folding repeats into one line so a bad reporter cannot flood the list.</summary>
internal sealed class WarningLog
{
    private const int MaxDistinct = 50;

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private int _dropped;

    public void Add(string message)
    {
        if (_counts.TryGetValue(message, out var count))
        {
            _counts[message] = count + 1;
        }
        else if (_order.Count < MaxDistinct)
        {
            _counts.Add(message, 1);
            _order.Add(message);
        }
        else
        {
            _dropped++;
        }
    }

    public IReadOnlyList<string> ToList()
    {
        if (_order.Count == 0)
        {
            return [];
        }

        var lines = new List<string>(_order.Count + 1);
        foreach (var message in _order)
        {
            var count = _counts[message];
            lines.Add(count == 1 ? message : $"{message} ({count} times)");
        }

        if (_dropped > 0)
        {
            lines.Add($"{_dropped} further warnings were not listed");
        }

        return lines;
    }
}
