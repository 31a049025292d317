using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Data.Stats;

/// <summary>The reports a <see cref="ReportFilter"/> selects, as the CTE <c>sel</c> with a weight column <c>w</c>:
/// the share of each report's time that lies inside [From, To) (1 without a range). Same conditions as
/// <see cref="ReportFilters"/>; written as SQL because the weight is arithmetic on timestamps.
/// Then the CTE <c>src (d, ip, m, f, fw)</c>: the selected messages by domain and source address, with those that
/// failed DMARC and those of them a forwarder explains, weighted. A filter without a reporter reads the whole UTC days
/// of its range from the rollups (<see cref="SourceRollups"/>): whole months from source_months, the days before and
/// after them from source_days; then the records of the reports rolled up, for the part of a day at either end of a
/// range that does not start or end at midnight; and the records of reports still waiting in rollup_queue. A filter
/// with a reporter, or a range inside one day, reads the selected reports' records. Over every domain on PostgreSQL,
/// the rolled-up rows are also packed (<see cref="PacksQuery"/>, <see cref="SourcePack"/>).</summary>
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

    /// <param name="unpacked">For the sources beside the packs (<see cref="PacksQuery"/>): the days and months of the
    /// period that are not packed, whose rows <c>src</c> then reads, with the records of the reports still queued.</param>
    public ReportSelection(ReportFilter filter, ISqlDialect dialect, IReadOnlyCollection<(string Period, DateTimeOffset Bucket)>? unpacked = null)
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

        var to = filter.To?.ToUniversalTime();
        var from = filter.From?.ToUniversalTime();
        var (overlap, weight) = Overlap(dialect, from is { } f ? Parameter("@from", dialect.TimestampValue(f)) : null,
            to is { } t ? Parameter("@to", dialect.TimestampValue(t)) : null);
        where.AddRange(overlap);
        var whereClause = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        // The whole UTC days of the period, which the rollups serve.
        var firstDay = from is { } start ? start.TimeOfDay == TimeSpan.Zero ? start : SourceRollups.DayOf(start).AddDays(1) : (DateTimeOffset?)null;
        var endDay = to is { } stop ? SourceRollups.DayOf(stop) : (DateTimeOffset?)null;
        string sources;
        if (reporter is not null || (firstDay is { } first && endDay is { } end && first >= end))
        {
            sources = $"SELECT {Record("sel.w", "sel")} FROM records r JOIN sel ON sel.id = r.report_id";
        }
        else
        {
            var ranges = Ranges(firstDay, endDay).ToList();
            if (domain is null && dialect.Provider == DatabaseProvider.PostgreSql)
            {
                PacksQuery = "SELECT period, bucket, data FROM source_packs WHERE " +
                             string.Join(" OR ", ranges.Select((r, i) => $"(period = '{r.Column}' AND {Within(r, i, "bucket", dialect)})"));
            }

            var ofDomain = domain is null ? "" : " AND domain = @domain";
            var rolled = unpacked is null
                ? ranges.Select((r, i) => $"SELECT domain, source_ip, messages, failing, forwarded FROM {r.Table} WHERE {Within(r, i, r.Column, dialect)}{ofDomain}")
                : unpacked.GroupBy(u => u.Period).Select(period =>
                {
                    var names = period.Select((u, i) => Parameter($"@u{period.Key}{i}", dialect.TimestampValue(u.Bucket))).ToList();
                    return $"SELECT domain, source_ip, messages, failing, forwarded FROM source_{period.Key}s WHERE {period.Key} IN ({string.Join(", ", names)})";
                });
            // The parts of a day at either end (a period that does not start or end at midnight): the records of the
            // reports rolled up, weighted by their share of that part.
            var edges = new[] { (From: from, To: firstDay), (From: endDay, To: to) }.Where(e => e.From is { } a && e.To is { } b && a < b)
                .Select((e, i) =>
                {
                    var (conditions, share) = Overlap(dialect, Parameter($"@edge{i}_from", dialect.TimestampValue(e.From!.Value)),
                        Parameter($"@edge{i}_to", dialect.TimestampValue(e.To!.Value)));
                    return $"SELECT {Record(share, "p")} FROM reports p JOIN records r ON r.report_id = p.id WHERE {string.Join(" AND ", conditions)}" +
                           $"{(domain is null ? "" : " AND lower(p.policy_domain) = @domain")} " +
                           "AND NOT EXISTS (SELECT 1 FROM rollup_queue q WHERE q.report_id = p.id)";
                });
            sources = string.Join(" UNION ALL ", rolled.Concat(edges)
                .Append($"SELECT {Record("sel.w", "sel")} FROM rollup_queue q JOIN sel ON sel.id = q.report_id JOIN records r ON r.report_id = q.report_id"));
        }

        Cte = $"WITH sel AS (SELECT {Columns}, {Reporter(dialect, "p")} AS reporter, {weight} AS w FROM reports p{whereClause}),\n" +
              $"src (d, ip, m, f, fw) AS ({sources})\n";
    }

    public string Cte { get; }

    /// <summary>For every domain over a period the rollups serve, on PostgreSQL: period, bucket and data of the period's
    /// rows in source_packs (data is null for a day or month not packed since its last roll-up). The sources are then
    /// summed from the packs (<see cref="SourceAggregate"/>) and from <c>src</c> of a selection made with the buckets
    /// not packed. Null for any other selection.</summary>
    public string? PacksQuery { get; }

    /// <summary>Who sent a report, as the views count reporters: the domain of the reporter's address (so the names one
    /// reporter goes by, "Outlook.com" and "Enterprise Outlook", are one), else its lower-case name.</summary>
    public static string Reporter(ISqlDialect dialect, string alias)
    {
        var at = dialect.Position($"{alias}.reporter_email", "'@'");
        return $"CASE WHEN {at} > 0 AND {at} < length({alias}.reporter_email) THEN lower(substr({alias}.reporter_email, {at} + 1)) " +
               $"ELSE lower({alias}.org_name) END";
    }

    public IReadOnlyList<(string Name, object Value)> Parameters => _parameters;

    /// <summary>The conditions that select the reports overlapping [from, to) (parameter names; null for no bound) and
    /// each report's share of time inside it (1 for a report of no duration, which is inside or not).</summary>
    private static (List<string> Conditions, string Share) Overlap(ISqlDialect dialect, string? from, string? to)
    {
        var conditions = new List<string>();
        var (start, stop) = ("p.begin_at", "p.end_at");
        if (to is not null)
        {
            conditions.Add($"p.begin_at < {to}");
            stop = dialect.Least("p.end_at", to);
        }

        if (from is not null)
        {
            conditions.Add($"(p.end_at > {from} OR p.begin_at >= {from})");
            start = dialect.Greatest("p.begin_at", from);
        }

        return (conditions, from is null && to is null
            ? dialect.One
            : $"CASE WHEN p.end_at > p.begin_at THEN {dialect.Seconds(stop, start)} / {dialect.Seconds("p.end_at", "p.begin_at")} ELSE {dialect.One} END");
    }

    /// <summary>A record's domain, address, messages, failing and forwarded messages, weighted by <paramref name="weight"/>.</summary>
    private static string Record(string weight, string report)
    {
        var weighted = $"r.count * {weight}";
        return $"lower({report}.policy_domain), r.source_ip, {weighted}, CASE WHEN {RecordFails} THEN {weighted} ELSE 0 END, " +
               $"CASE WHEN {RecordForwarded} THEN {weighted} ELSE 0 END";
    }

    /// <summary>A period of rolled-up rows: whole months from source_months, the days before the first and after the last
    /// whole month from source_days.</summary>
    private readonly record struct Range(string Table, string Column, DateTimeOffset? From, DateTimeOffset? To);

    private static IEnumerable<Range> Ranges(DateTimeOffset? from, DateTimeOffset? to)
    {
        var firstMonth = from is { } f ? SourceRollups.MonthOf(f) < f ? SourceRollups.MonthOf(f).AddMonths(1) : f : (DateTimeOffset?)null;
        var endMonth = to is { } t ? SourceRollups.MonthOf(t) : (DateTimeOffset?)null;
        if (firstMonth is { } first && endMonth is { } end && first >= end)
        {
            yield return new Range("source_days", "day", from, to);
            yield break;
        }

        yield return new Range("source_months", "month", firstMonth, endMonth);
        if (from is { } start && firstMonth > start)
        {
            yield return new Range("source_days", "day", start, firstMonth);
        }

        if (to is { } stop && endMonth < stop)
        {
            yield return new Range("source_days", "day", endMonth, stop);
        }
    }

    /// <summary>The condition that <paramref name="column"/> lies in the range.</summary>
    private string Within(Range range, int index, string column, ISqlDialect dialect)
    {
        var where = "1 = 1";
        if (range.From is { } start)
        {
            where += $" AND {column} >= {Parameter($"@from{index}", dialect.TimestampValue(start))}";
        }

        if (range.To is { } stop)
        {
            where += $" AND {column} < {Parameter($"@to{index}", dialect.TimestampValue(stop))}";
        }

        return where;
    }

    /// <summary>Adds a parameter once: a range's bounds serve both its rows and its packs.</summary>
    private string Parameter(string name, object value)
    {
        if (!_parameters.Exists(p => p.Name == name))
        {
            _parameters.Add((name, value));
        }

        return name;
    }
}
