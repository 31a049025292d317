using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Data.Posture;

public static class PostureQueries
{
    /// <summary>Distinct DKIM results read per domain: enough for every selector a domain signs with, bounded on
    /// millions of records.</summary>
    public const int MaxDistinctDkimResults = 5000;

    /// <summary>The selectors the domain's reports show it (or its subdomains) signing with, as (signing domain,
    /// selector), at most <paramref name="max"/>.</summary>
    public static async Task<IReadOnlyList<(string Domain, string Selector)>> DkimSelectorsAsync(
        DmarcDbContext db, string domain, int max, CancellationToken cancellationToken)
    {
        var results = await db.Records
            .Where(r => r.Dkim != null && r.Report!.PolicyDomain.ToLower() == domain)
            .Select(r => r.Dkim!).Distinct().Take(MaxDistinctDkimResults).ToListAsync(cancellationToken);
        return [.. results.SelectMany(RecordJson.ReadDkim)
            .Select(d => (Domain: (d.Domain).Trim().TrimEnd('.').ToLowerInvariant(), Selector: (d.Selector ?? "").Trim().ToLowerInvariant()))
            .Where(d => d.Selector.Length is > 0 and <= 63 && (d.Domain == domain || d.Domain.EndsWith("." + domain, StringComparison.Ordinal))
                && d.Selector.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            .Distinct().OrderBy(d => d.Domain, StringComparer.Ordinal).ThenBy(d => d.Selector, StringComparer.Ordinal).Take(max)];
    }

    /// <summary>Every policy domain that has reports, lower case.</summary>
    public static async Task<IReadOnlyList<string>> DomainsWithReportsAsync(DmarcDbContext db, CancellationToken cancellationToken) =>
        await db.Reports.Select(r => r.PolicyDomain.ToLower()).Distinct().OrderBy(d => d).ToListAsync(cancellationToken);
}
