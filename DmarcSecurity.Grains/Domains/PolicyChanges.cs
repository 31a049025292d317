using DmarcSecurity.Core.Grains;

namespace DmarcSecurity.Grains.Domains;

/// <summary>Compares published policies. Reports disagree on what they can say (RFC 7489 has no testing flag,
/// RFC 9990 no pct), so a field a report leaves out keeps the value last seen instead of counting as a change.</summary>
internal static class PolicyChanges
{
    public static DomainPolicy Read(DmarcPublishedPolicy policy, DomainPolicy? known, DateTimeOffset asOf, string reportId)
    {
        var p = Word(policy.P);
        return new DomainPolicy(
            p,
            policy.Sp is { Length: > 0 } sp ? Word(sp) : p,
            policy.Np is { Length: > 0 } np ? Word(np) : known?.Np,
            policy.Pct ?? known?.Pct,
            policy.Testing is { Length: > 0 } t ? Word(t) == "y" : known?.Testing,
            Word(policy.Adkim),
            Word(policy.Aspf),
            asOf,
            reportId);
    }

    /// <summary>The same rule, whichever report showed it.</summary>
    public static bool Same(DomainPolicy a, DomainPolicy b) =>
        a with { AsOf = default, ReportId = "" } == b with { AsOf = default, ReportId = "" };

    /// <summary>Each way <paramref name="now"/> is weaker than <paramref name="before"/>, as "field: old -> new":
    /// p, sp or np weaker (none &lt; quarantine &lt; reject), pct lowered (absent is 100), testing switched on.</summary>
    public static IReadOnlyList<string> Downgrades(DomainPolicy before, DomainPolicy now)
    {
        var changes = new List<string>();
        if (Weaker(before.P, now.P))
        {
            changes.Add($"p: {before.P} -> {now.P}");
        }

        if (Weaker(before.Sp, now.Sp))
        {
            changes.Add($"sp: {before.Sp} -> {now.Sp}");
        }

        if (before.Np is { } np && now.Np is { } newNp && Weaker(np, newNp))
        {
            changes.Add($"np: {np} -> {newNp}");
        }

        if ((now.Pct ?? 100) < (before.Pct ?? 100))
        {
            changes.Add($"pct: {before.Pct ?? 100} -> {now.Pct}");
        }

        if (now.Testing == true && before.Testing != true)
        {
            changes.Add("testing: n -> y");
        }

        return changes;
    }

    /// <summary>A word outside none/quarantine/reject on either side is no downgrade: we cannot tell.</summary>
    private static bool Weaker(string before, string now) => Rank(now) is { } n && Rank(before) is { } b && n < b;

    private static int? Rank(string policy) => policy switch
    {
        "none" => 0,
        "quarantine" => 1,
        "reject" => 2,
        _ => null,
    };

    private static string Word(string text) => text.Trim().ToLowerInvariant();
}
