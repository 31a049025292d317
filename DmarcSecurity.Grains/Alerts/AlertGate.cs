using System.Security.Cryptography;
using System.Text;
using DmarcSecurity.Grains.Decisions;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Alerts;

/// <summary>Something a grain wants to alert on, before gating.</summary>
/// <param name="Domain">The domain it concerns, for domain suppressions.</param>
/// <param name="Ip">The address it concerns, for IP/CIDR suppressions.</param>
/// <param name="Severity">Overrides the rule's severity (a threat alert takes its decision's).</param>
/// <param name="Decision">Travels with the notification of a threat alert.</param>
public sealed record AlertCandidate(
    string RuleKey,
    string Title,
    string Detail,
    IReadOnlyDictionary<string, string> Discriminators,
    string? Domain = null,
    string? Ip = null,
    Severity? Severity = null,
    DecisionOutput? Decision = null);

public enum GateOutcome
{
    Raised,
    Repeated,
    Disabled,
    Suppressed,
    CoolingDown,
}

/// <summary>
/// Decides what becomes of an alert candidate, the same way for every grain: a disabled rule or an active suppression
/// drops it; a fingerprint that is open counts one more occurrence; a closed fingerprint raised less than the rule's
/// cooldown ago is dropped; anything else opens a new alert and asks for a notification.
/// </summary>
public sealed class AlertGate(GrainSettings settings, string grainType, string grainKey)
{
    public (AlertBook Book, GateOutcome Outcome) Raise(AlertBook book, AlertCandidate candidate, DateTimeOffset now, Emissions emit)
    {
        var editor = book.Edit();
        var outcome = Raise(editor, candidate, now, emit);
        return (editor.ToBook(), outcome);
    }

    /// <summary>Raises the candidates one after another, as that many calls of <see cref="Raise(AlertBook, AlertCandidate, DateTimeOffset, Emissions)"/> would.</summary>
    public AlertBook RaiseAll(AlertBook book, IEnumerable<AlertCandidate> candidates, DateTimeOffset now, Emissions emit)
    {
        var editor = book.Edit();
        foreach (var candidate in candidates)
        {
            Raise(editor, candidate, now, emit);
        }

        return editor.ToBook();
    }

    /// <summary>An analyst closed the alert: its fingerprint stays only as long as the rule's cooldown needs it.</summary>
    public AlertBook Close(AlertBook book, string fingerprint, DateTimeOffset now)
    {
        var editor = book.Edit();
        if (editor.Find(fingerprint) is not { Open: true } open)
        {
            return book;
        }

        editor.Put(open with { Open = false });
        return Prune(editor.ToBook(), now);
    }

    /// <summary>Forgets closed fingerprints whose cooldown has run out.</summary>
    public AlertBook Prune(AlertBook book, DateTimeOffset now) =>
        book.Alerts.All(a => a.Open || now < a.RaisedAt + settings.Rule(a.RuleKey).Cooldown)
            ? book
            : new([.. book.Alerts.Where(a => a.Open || now < a.RaisedAt + settings.Rule(a.RuleKey).Cooldown)]);

    /// <summary>SHA-256 (lower-case hex) of the rule key, the grain key and the discriminators in ordinal name order,
    /// separated by U+001F so that no two different inputs meet.</summary>
    public static string Fingerprint(string ruleKey, string grainKey, IReadOnlyDictionary<string, string> discriminators)
    {
        var text = new StringBuilder(ruleKey).Append('\u001f').Append(grainKey);
        var names = discriminators.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        foreach (var name in names)
        {
            text.Append('\u001f').Append(name).Append('=').Append(discriminators[name]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private GateOutcome Raise(AlertBookEditor book, AlertCandidate candidate, DateTimeOffset now, Emissions emit)
    {
        var rule = settings.Rule(candidate.RuleKey);
        if (!rule.Enabled)
        {
            return GateOutcome.Disabled;
        }

        if (settings.Suppressions.Any(s => s.IsActive(now) && s.Matches(rule.Key, candidate.Domain, candidate.Ip)))
        {
            return GateOutcome.Suppressed;
        }

        var fingerprint = Fingerprint(rule.Key, grainKey, candidate.Discriminators);
        var tracked = book.Find(fingerprint);
        if (tracked is { Open: true })
        {
            var repeat = tracked with { LastSeenAt = now, Occurrences = tracked.Occurrences + 1 };
            emit.Alerts.Add(Output(rule, candidate, fingerprint, now, repeat));
            book.Put(repeat);
            return GateOutcome.Repeated;
        }

        if (tracked is not null && now < tracked.RaisedAt + rule.Cooldown)
        {
            return GateOutcome.CoolingDown;
        }

        var opened = new TrackedAlert(fingerprint, rule.Key, now, now, 1, Open: true);
        var alert = Output(rule, candidate, fingerprint, now, opened);
        emit.Alerts.Add(alert);
        emit.Outbox.Add(new OutboxOutput(OutboxChannel.Notify, OutboxOutput.AlertRaised, alert, candidate.Decision));
        book.Put(opened);
        return GateOutcome.Raised;
    }

    private AlertOutput Output(AlertRule rule, AlertCandidate candidate, string fingerprint, DateTimeOffset now, TrackedAlert tracked) =>
        new(rule.Key, fingerprint, candidate.Severity ?? rule.Severity, grainType, grainKey, candidate.Title, candidate.Detail,
            new SortedDictionary<string, string>(candidate.Discriminators.ToDictionary(), StringComparer.Ordinal),
            now, IsRepeat: tracked.Occurrences > 1, tracked.Occurrences);
}
