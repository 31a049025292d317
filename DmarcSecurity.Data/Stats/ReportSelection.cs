using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Data.Stats;

/// <summary>The reports a <see cref="ReportFilter"/> selects, as the CTE <c>sel</c> with a weight column <c>w</c>:
/// the share of each report's time that lies inside [From, To) (1 without a range). Same conditions as
/// <see cref="ReportFilters"/>; written as SQL because the weight is arithmetic on timestamps.
/// Then the CTE <c>src (d, ip, m, f, fw)</c>: the selected messages by domain and source address, with those that
/// failed DMARC and those of them a forwarder explains, weighted. A filter without a reporter whose range starts and
/// ends on UTC midnights reads them from the rollups (<see cref="SourceRollups"/>): whole months from source_months,
/// the days at either end from source_days, and the records of reports still waiting in rollup_queue. Any other
/// filter reads the selected reports' records.</summary>
internal sealed class ReportSelection
{
    private const string Columns =
        "p.id, p.policy_domain, p.org_name, p.begin_at, p.end_at, p.record_count, p.message_count, p.dkim_pass_count, " +
        "p.spf_pass_count, p.both_pass_count, p.none_count, p.quarantine_count, p.reject_count";

    /// <summary>A record failed DMARC: neither DKIM nor SPF passed aligned.</summary>
    public const string RecordFails = "NOT (r.dkim_policy_result = 'pass' OR r.spf_policy_result = 'pass')";

    /// <summary>Failed DMARC through a forwarder, as the receiver said (records.forwarding).</summary>
    public const string RecordForwarded = RecordFails + " AND r.forwarding IS NOT NULL";

    private readonly List<(string Name, object Value)> _parameters = [];

    public ReportSelection(ReportFilter filter, ISqlDialect dialect)
    {
        var where = new List<string>();
        var domain = ReportFilters.Normalise(filter.Domain);
        if (domain is not null)
        {
            where.Add("lower(p.policy_domain) = @domain");
            _parameters.Add(("@domain", domain));
        }

        var reporter = ReportFilters.Normalise(filter.Reporter);
        if (reporter is not null)
        {
            where.Add($"(lower(p.org_name) = @reporter OR {Reporter(dialect, "p")} = @reporter)");
            _parameters.Add(("@reporter", reporter));
        }

        var start = "p.begin_at";
        var stop = "p.end_at";
        var to = filter.To?.ToUniversalTime();
        var from = filter.From?.ToUniversalTime();
        if (to is not null)
        {
            where.Add("p.begin_at < @to");
            _parameters.Add(("@to", dialect.TimestampValue(to.Value)));
            stop = dialect.Least("p.end_at", "@to");
        }

        if (from is not null)
        {
            where.Add("(p.end_at > @from OR p.begin_at >= @from)");
            _parameters.Add(("@from", dialect.TimestampValue(from.Value)));
            start = dialect.Greatest("p.begin_at", "@from");
        }

        var weight = from is null && to is null
            ? dialect.One
            : $"CASE WHEN p.end_at > p.begin_at THEN {dialect.Seconds(stop, start)} / {dialect.Seconds("p.end_at", "p.begin_at")} ELSE {dialect.One} END";
        var whereClause = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        const string Weighted = "r.count * sel.w";
        const string Record = $"lower(sel.policy_domain), r.source_ip, {Weighted}, CASE WHEN {RecordFails} THEN {Weighted} ELSE 0 END, " +
                              $"CASE WHEN {RecordForwarded} THEN {Weighted} ELSE 0 END";
        var sources = reporter is null && IsMidnight(from) && IsMidnight(to)
            ? string.Join(" UNION ALL ", Rolled(from, to, domain, dialect).Append(
                $"SELECT {Record} FROM rollup_queue q JOIN sel ON sel.id = q.report_id JOIN records r ON r.report_id = q.report_id"))
            : $"SELECT {Record} FROM records r JOIN sel ON sel.id = r.report_id";
        Cte = $"WITH sel AS (SELECT {Columns}, {Reporter(dialect, "p")} AS reporter, {weight} AS w FROM reports p{whereClause}),\n" +
              $"src (d, ip, m, f, fw) AS ({sources})\n";
    }

    public string Cte { get; }

    /// <summary>Who sent a report, as the views count reporters: the domain of the reporter's address (so the names one
    /// reporter goes by, "Outlook.com" and "Enterprise Outlook", are one), else its lower-case name.</summary>
    public static string Reporter(ISqlDialect dialect, string alias)
    {
        var at = dialect.Position($"{alias}.reporter_email", "'@'");
        return $"CASE WHEN {at} > 0 AND {at} < length({alias}.reporter_email) THEN lower(substr({alias}.reporter_email, {at} + 1)) " +
               $"ELSE lower({alias}.org_name) END";
    }

    public IReadOnlyList<(string Name, object Value)> Parameters => _parameters;

    private static bool IsMidnight(DateTimeOffset? at) => at is not { } value || value.TimeOfDay == TimeSpan.Zero;

    /// <summary>The rolled-up rows of [from, to): whole months from source_months, the days before the first and after
    /// the last whole month from source_days.</summary>
    private IEnumerable<string> Rolled(DateTimeOffset? from, DateTimeOffset? to, string? domain, ISqlDialect dialect)
    {
        var firstMonth = from is { } f ? SourceRollups.MonthOf(f) < f ? SourceRollups.MonthOf(f).AddMonths(1) : f : (DateTimeOffset?)null;
        var endMonth = to is { } t ? SourceRollups.MonthOf(t) : (DateTimeOffset?)null;
        var ofDomain = domain is null ? "" : " AND domain = @domain";
        if (firstMonth is { } first && endMonth is { } end && first >= end)
        {
            yield return Rows("source_days", "day", from, to, ofDomain, dialect);
            yield break;
        }

        yield return Rows("source_months", "month", firstMonth, endMonth, ofDomain, dialect);
        if (from is { } start && firstMonth > start)
        {
            yield return Rows("source_days", "day", start, firstMonth, ofDomain, dialect, "a");
        }

        if (to is { } stop && endMonth < stop)
        {
            yield return Rows("source_days", "day", endMonth, stop, ofDomain, dialect, "b");
        }
    }

    private string Rows(string table, string column, DateTimeOffset? from, DateTimeOffset? to, string ofDomain, ISqlDialect dialect, string name = "")
    {
        var where = "1 = 1" + ofDomain;
        if (from is { } start)
        {
            where += $" AND {column} >= @{column}_from{name}";
            _parameters.Add(($"@{column}_from{name}", dialect.TimestampValue(start)));
        }

        if (to is { } stop)
        {
            where += $" AND {column} < @{column}_to{name}";
            _parameters.Add(($"@{column}_to{name}", dialect.TimestampValue(stop)));
        }

        return $"SELECT domain, source_ip, messages, failing, forwarded FROM {table} WHERE {where}";
    }
}
