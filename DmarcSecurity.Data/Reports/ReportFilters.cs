namespace DmarcSecurity.Data.Reports;

/// <summary>The report selection shared by the LINQ queries; the statistics SQL states the same conditions.
/// A report covers [Begin, End); one with no duration counts as the instant Begin.</summary>
internal static class ReportFilters
{
    public static bool IsRestrictive(ReportFilter filter) =>
        !string.IsNullOrWhiteSpace(filter.Domain) || !string.IsNullOrWhiteSpace(filter.Reporter) || filter.From is not null || filter.To is not null;

    public static IQueryable<ReportEntity> Apply(IQueryable<ReportEntity> reports, ReportFilter filter)
    {
        if (Normalise(filter.Domain) is { } domain)
        {
            reports = reports.Where(r => r.PolicyDomain.ToLower() == domain);
        }

        if (Normalise(filter.Reporter) is { } reporter)
        {
            // As ReportSelection.Reporter: the name, or the domain of the reporter's address.
            reports = reports.Where(r => r.OrgName.ToLower() == reporter
                || (r.ReporterEmail != null && r.ReporterEmail.IndexOf("@") >= 0 && r.ReporterEmail.Substring(r.ReporterEmail.IndexOf("@") + 1).ToLower() == reporter));
        }

        if (filter.To?.ToUniversalTime() is { } to)
        {
            reports = reports.Where(r => r.Begin < to);
        }

        if (filter.From?.ToUniversalTime() is { } from)
        {
            reports = reports.Where(r => r.End > from || r.Begin >= from);
        }

        return reports;
    }

    /// <summary>Domain and reporter filters are exact matches, case-insensitive: both sides are lower-cased
    /// (the indexes are on lower(policy_domain) and lower(org_name)).</summary>
    public static string? Normalise(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();
}
