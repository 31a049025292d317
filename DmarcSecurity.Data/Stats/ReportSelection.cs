using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Data.Stats;

/// <summary>The reports a <see cref="ReportFilter"/> selects, as the CTE <c>sel</c> with a weight column <c>w</c>:
/// the share of each report's time that lies inside [From, To) (1 without a range). Same conditions as
/// <see cref="ReportFilters"/>; written as SQL because the weight is arithmetic on timestamps.</summary>
internal sealed class ReportSelection
{
    private const string Columns =
        "p.id, p.policy_domain, p.org_name, p.begin_at, p.end_at, p.record_count, p.message_count, p.dkim_pass_count, " +
        "p.spf_pass_count, p.both_pass_count, p.none_count, p.quarantine_count, p.reject_count";

    private readonly List<(string Name, object Value)> _parameters = [];
    private readonly string _one;

    public ReportSelection(ReportFilter filter, ISqlDialect dialect)
    {
        var where = new List<string>();
        if (ReportFilters.Normalise(filter.Domain) is { } domain)
        {
            where.Add("lower(p.policy_domain) = @domain");
            _parameters.Add(("@domain", domain));
        }

        if (ReportFilters.Normalise(filter.Reporter) is { } reporter)
        {
            where.Add("lower(p.org_name) = @reporter");
            _parameters.Add(("@reporter", reporter));
        }

        var start = "p.begin_at";
        var stop = "p.end_at";
        if (filter.To is { } to)
        {
            where.Add("p.begin_at < @to");
            _parameters.Add(("@to", dialect.TimestampValue(to)));
            stop = dialect.Least("p.end_at", "@to");
        }

        if (filter.From is { } from)
        {
            where.Add("(p.end_at > @from OR p.begin_at >= @from)");
            _parameters.Add(("@from", dialect.TimestampValue(from)));
            start = dialect.Greatest("p.begin_at", "@from");
        }

        IsAll = where.Count == 0;
        _one = dialect.One;
        var weight = filter.From is null && filter.To is null
            ? dialect.One
            : $"CASE WHEN p.end_at > p.begin_at THEN {dialect.Seconds(stop, start)} / {dialect.Seconds("p.end_at", "p.begin_at")} ELSE {dialect.One} END";
        var whereClause = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        Cte = $"WITH sel AS (SELECT {Columns}, {weight} AS w FROM reports p{whereClause})\n";
    }

    public string Cte { get; }

    /// <summary>No filter: every report, each with weight 1, so record-level queries can skip the join.</summary>
    public bool IsAll { get; }

    /// <summary>The FROM clause of the selected records, aliased r (and sel when joined).</summary>
    public string Records => IsAll ? "FROM records r" : "FROM records r JOIN sel ON sel.id = r.report_id";

    /// <summary>A record-level quantity weighted by its report's share of time in the range; floating point either way
    /// (PostgreSQL sums integers as numeric, which is several times slower over a million rows).</summary>
    public string Weighted(string expression) => IsAll ? $"{expression} * {_one}" : $"{expression} * sel.w";

    public IReadOnlyList<(string Name, object Value)> Parameters => _parameters;
}
