using System.Text.Json.Serialization;

namespace DmarcSecurity.Grains.Alerts;

/// <summary>The alerts a grain remembers: the open ones, and closed ones whose cooldown has not yet run out.</summary>
public sealed record AlertBook(IReadOnlyList<TrackedAlert> Alerts)
{
    public static AlertBook Empty { get; } = new([]);

    /// <summary>Derived, so not stored (states written before it was ignored carry it; reading skips it).</summary>
    [JsonIgnore]
    public IEnumerable<TrackedAlert> Open => Alerts.Where(a => a.Open);

    internal AlertBookEditor Edit() => new(this);
}

/// <param name="RaisedAt">When the fingerprint last opened an alert; cooldown counts from here.</param>
public sealed record TrackedAlert(
    string Fingerprint, string RuleKey, DateTimeOffset RaisedAt, DateTimeOffset LastSeenAt, int Occurrences, bool Open);

/// <summary>Changes to a book, one after another, for the cost of one copy and one index however many there are
/// (a report can raise hundreds of alerts against a book of thousands). A changed alert moves to the end.</summary>
internal sealed class AlertBookEditor
{
    private readonly AlertBook _book;
    private readonly List<TrackedAlert?> _alerts;
    private readonly Dictionary<string, int> _index;
    private bool _changed;

    public AlertBookEditor(AlertBook book)
    {
        _book = book;
        _alerts = [.. book.Alerts];
        _index = new Dictionary<string, int>(_alerts.Count, StringComparer.Ordinal);
        for (var i = 0; i < _alerts.Count; i++)
        {
            _index[_alerts[i]!.Fingerprint] = i;
        }
    }

    public TrackedAlert? Find(string fingerprint) => _index.TryGetValue(fingerprint, out var i) ? _alerts[i] : null;

    public void Put(TrackedAlert alert)
    {
        if (_index.TryGetValue(alert.Fingerprint, out var i))
        {
            _alerts[i] = null;
        }

        _index[alert.Fingerprint] = _alerts.Count;
        _alerts.Add(alert);
        _changed = true;
    }

    /// <summary>The book as changed; the very same book when nothing was put.</summary>
    public AlertBook ToBook() => _changed ? new([.. _alerts.OfType<TrackedAlert>()]) : _book;
}
