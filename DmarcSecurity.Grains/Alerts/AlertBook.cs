namespace DmarcSecurity.Grains.Alerts;

/// <summary>The alerts a grain remembers: the open ones, and closed ones whose cooldown has not yet run out.</summary>
public sealed record AlertBook(IReadOnlyList<TrackedAlert> Alerts)
{
    public static AlertBook Empty { get; } = new([]);

    public TrackedAlert? Find(string fingerprint) => Alerts.FirstOrDefault(a => a.Fingerprint == fingerprint);

    public IEnumerable<TrackedAlert> Open => Alerts.Where(a => a.Open);

    public AlertBook Put(TrackedAlert alert) =>
        new([.. Alerts.Where(a => a.Fingerprint != alert.Fingerprint), alert]);
}

/// <param name="RaisedAt">When the fingerprint last opened an alert; cooldown counts from here.</param>
public sealed record TrackedAlert(
    string Fingerprint, string RuleKey, DateTimeOffset RaisedAt, DateTimeOffset LastSeenAt, int Occurrences, bool Open);
