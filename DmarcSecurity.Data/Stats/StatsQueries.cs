using System.Globalization;
using System.Runtime.CompilerServices;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Reports;
using Microsoft.EntityFrameworkCore.Storage;

namespace DmarcSecurity.Data.Stats;

/// <summary>Dashboard statistics. Totals, timeline, alignment, dispositions, domains and reporters read the per-report
/// counters (reports table only); source counts and rankings read <see cref="ReportSelection"/>'s <c>src</c>: the
/// rollups by day and month where the period allows, else the selected reports' records; over every domain on
/// PostgreSQL, the packs of those rollups, summed here (<see cref="SourceAggregate"/>). Every method costs a fixed
/// number of round trips whatever the data volume.</summary>
internal sealed class StatsQueries(IDbContextFactory<DmarcDbContext> contextFactory, ISqlDialect dialect) : IStatsQueries
{
    /// <summary>Whether views over every domain sum the packs (the default); tests turn it off to compare with the SQL.</summary>
    internal bool UsePacks { get; init; } = true;

    private const string Passing = "(dkim_pass_count + spf_pass_count - both_pass_count)";

    /// <summary>Distinct source addresses of the selection.</summary>
    private const string CountSources = "SELECT COUNT(*) FROM (SELECT ip FROM src GROUP BY ip) s";

    /// <summary>Per address: messages, failing, forwarded (one aggregation; the number of domains is looked up for the
    /// addresses shown, <see cref="WithDomainsAsync"/>).</summary>
    private const string PerAddress = "SELECT ip, SUM(m) AS m, SUM(f) AS f, SUM(fw) AS fw FROM src GROUP BY ip";

    public async Task<DataExtentDto> ExtentAsync(ReportFilter filter, CancellationToken cancellationToken)
    {
        await using var context = await OpenAsync(cancellationToken);
        var reports = ReportFilters.Apply(context.Reports.AsNoTracking(), filter with { From = null, To = null });
        var extent = await reports
            .GroupBy(r => 1)
            .Select(g => new { Count = g.LongCount(), First = g.Min(r => r.Begin), Last = g.Max(r => r.End) })
            .FirstOrDefaultAsync(cancellationToken);
        return extent is null ? new DataExtentDto(0, null, null) : new DataExtentDto(extent.Count, extent.First, extent.Last);
    }

    public async Task<SummaryDto> SummaryAsync(ReportFilter filter, CancellationToken cancellationToken)
    {
        var selection = new ReportSelection(filter, dialect);
        await using var context = await OpenAsync(cancellationToken);

        var totals = await TotalsAsync(context, selection, cancellationToken);
        var sources = await PackedSourcesAsync(context, selection, filter, cancellationToken) is { } summing
            ? (await summing).Count
            : (await QueryAsync(context, selection, CountSources, r => Long(r, 0), cancellationToken)).Single();
        // The summary names the dispositions that occurred.
        var dispositions = await DispositionsAsync(context, selection, cancellationToken);
        return totals.ToSummary(sources, dispositions.Where(d => d.Value > 0).ToDictionary());
    }

    public Task<IReadOnlyList<TimelinePointDto>> TimelineAsync(ReportFilter filter, CancellationToken cancellationToken) =>
        OnOwnConnectionAsync(filter, (context, selection) => TimelineAsync(context, selection, filter, cancellationToken), cancellationToken);

    public Task<AlignmentDto> AlignmentAsync(ReportFilter filter, CancellationToken cancellationToken) =>
        OnOwnConnectionAsync(filter, (context, selection) => AlignmentAsync(context, selection, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<ReporterStatsDto>> ReportersAsync(ReportFilter filter, int top, CancellationToken cancellationToken) =>
        OnOwnConnectionAsync(filter, (context, selection) => ReportersAsync(context, selection, top, cancellationToken), cancellationToken);

    private async Task<IReadOnlyList<TimelinePointDto>> TimelineAsync(
        DmarcDbContext context, ReportSelection selection, ReportFilter filter, CancellationToken cancellationToken)
    {
        // Reports usually share their window (a UTC day), so grouping by window keeps the rows few.
        var windows = await QueryAsync(context, selection,
            "SELECT begin_at, end_at, SUM(message_count), SUM(dkim_pass_count), SUM(spf_pass_count), SUM(both_pass_count), " +
            "SUM(none_count), SUM(quarantine_count), SUM(reject_count) FROM sel GROUP BY begin_at, end_at",
            r => (dialect.ReadTimestamp(r, 0), dialect.ReadTimestamp(r, 1),
                new MessageTotals(Double(r, 2), Double(r, 3), Double(r, 4), Double(r, 5), Double(r, 6), Double(r, 7), Double(r, 8))),
            cancellationToken);
        return DaySpreader.Spread(windows, filter.From?.ToUniversalTime(), filter.To?.ToUniversalTime());
    }

    public async Task<IReadOnlyList<DomainStatsDto>> DomainsAsync(ReportFilter filter, int top, CancellationToken cancellationToken)
    {
        var selection = new ReportSelection(filter, dialect);
        await using var context = await OpenAsync(cancellationToken);

        var domains = await DomainTotalsAsync(context, selection, top, cancellationToken);
        if (domains.Count == 0)
        {
            return [];
        }

        var names = domains.Select((d, i) => (Name: $"@d{i}", Value: (object)d.Domain)).ToArray();
        var sources = await PackedSourcesAsync(context, selection, filter, cancellationToken) is { } summing
            ? (await summing).SourcesPerDomain
            : (await QueryAsync(context, selection,
                              $"SELECT d, COUNT(DISTINCT ip) FROM src WHERE d IN ({string.Join(", ", names.Select(n => n.Name))}) GROUP BY d",
                              r => (Domain: r.GetString(0), Sources: Long(r, 1)), cancellationToken, names))
                          .ToDictionary(s => s.Domain, s => s.Sources);
        return domains.Select(d => d.ToDto(sources.GetValueOrDefault(d.Domain))).ToList();
    }

    public async Task<IReadOnlyList<SourceStatsDto>> SourcesAsync(ReportFilter filter, int top, SourceRanking ranking, CancellationToken cancellationToken)
    {
        var selection = new ReportSelection(filter, dialect);
        await using var context = await OpenAsync(cancellationToken);
        return await PackedSourcesAsync(context, selection, filter, cancellationToken) is { } summing
            ? (await summing).Ranked(ranking, 0, Top(top)).Rows
            : await SourcesAsync(context, selection, Top(top), 0, ranking, cancellationToken);
    }

    public async Task<PagedResult<SourceStatsDto>> SourcesPageAsync(ReportFilter filter, PageRequest page, SourceRanking ranking, CancellationToken cancellationToken)
    {
        var (number, size) = Paging.Clamp(page);
        var selection = new ReportSelection(filter, dialect);
        await using var context = await OpenAsync(cancellationToken);
        if (await PackedSourcesAsync(context, selection, filter, cancellationToken) is { } summing)
        {
            var (shown, listed) = (await summing).Ranked(ranking, (long)(number - 1) * size, size);
            return new PagedResult<SourceStatsDto>(shown, number, size, listed);
        }

        // The page and the total from one aggregation; a page past the end counts on its own.
        var rows = await QueryAsync(context, selection,
            $"SELECT ip, m, f, fw, COUNT(*) OVER () FROM ({PerAddress}) a{Listed(ranking)} {Order(ranking)} LIMIT @top OFFSET @skip",
            r => (Row: SourceRow(r), Total: Long(r, 4)), cancellationToken, ("@top", size), ("@skip", (long)(number - 1) * size));
        var total = rows.Count > 0 ? rows[0].Total : (await QueryAsync(context, selection,
            $"SELECT COUNT(*) FROM ({PerAddress}) a{Listed(ranking)}", r => Long(r, 0), cancellationToken)).Single();
        return new PagedResult<SourceStatsDto>(await WithDomainsAsync(context, selection, [.. rows.Select(r => r.Row)], cancellationToken), number, size, total);
    }

    public async Task<IReadOnlyList<SourceTotalDto>> SourceTotalsAsync(ReportFilter filter, CancellationToken cancellationToken)
    {
        var selection = new ReportSelection(filter, dialect);
        await using var context = await OpenAsync(cancellationToken);
        return await PackedSourcesAsync(context, selection, filter, cancellationToken) is { } summing
            ? (await summing).Totals()
            : await QueryAsync(context, selection, "SELECT ip, SUM(m), SUM(f) FROM src GROUP BY ip",
                r => new SourceTotalDto(SourceAddress.AddressOf(r.GetValue(0)), Double(r, 1), Double(r, 2)), cancellationToken);
    }

    /// <summary>The sources a ranking lists: for failing, those with a failure no forwarder explains.</summary>
    private static string Listed(SourceRanking ranking) => ranking == SourceRanking.Failing ? " WHERE f - fw > 0" : "";

    private async Task<IReadOnlyList<SourceStatsDto>> SourcesAsync(
        DmarcDbContext context, ReportSelection selection, int top, long skip, SourceRanking ranking, CancellationToken cancellationToken) =>
        await WithDomainsAsync(context, selection,
            await QueryAsync(context, selection, Ranked(ranking) + " LIMIT @top OFFSET @skip", SourceRow, cancellationToken, ("@top", top), ("@skip", skip)),
            cancellationToken);

    /// <summary>The rows with the number of domains each address sent for: an index lookup per address shown, not a second
    /// aggregation of every address.</summary>
    private async Task<IReadOnlyList<SourceStatsDto>> WithDomainsAsync(
        DmarcDbContext context, ReportSelection selection, List<SourceStatsDto> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return rows;
        }

        // Addresses are inet on PostgreSQL, text on SQLite.
        var addresses = rows.Select((s, i) => (Name: $"@s{i}", Value: dialect.Provider == DatabaseProvider.PostgreSql ? IPAddress.Parse(s.SourceIp) : (object)s.SourceIp))
            .ToArray();
        var domains = (await QueryAsync(context, selection,
                $"SELECT ip, COUNT(DISTINCT d) FROM src WHERE ip IN ({string.Join(", ", addresses.Select(a => a.Name))}) GROUP BY ip",
                r => (Address: Text(r, 0), Domains: Long(r, 1)), cancellationToken, addresses))
            .ToDictionary(d => d.Address, d => d.Domains);
        return [.. rows.Select(s => s with { Domains = domains.GetValueOrDefault(s.SourceIp) })];
    }

    public async IAsyncEnumerable<SourceStatsDto> StreamSourcesAsync(
        ReportFilter filter, SourceRanking ranking, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var selection = new ReportSelection(filter, dialect);
        await using var context = await OpenAsync(cancellationToken);
        // With the number of domains of every address: one aggregation per domain and address, then per address.
        await using var command = Command(context, selection,
            "SELECT ip, m, f, fw, n FROM (SELECT ip, SUM(m) AS m, SUM(f) AS f, SUM(fw) AS fw, COUNT(*) AS n FROM (SELECT d, ip, SUM(m) AS m, " +
            $"SUM(f) AS f, SUM(fw) AS fw FROM src GROUP BY d, ip) pairs GROUP BY ip) a{Listed(ranking)} {Order(ranking)}", []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return SourceRow(reader) with { Domains = Long(reader, 4) };
        }
    }

    /// <summary>Every listed source in the ranking's order: ip, messages, failing, forwarded.</summary>
    private static string Ranked(SourceRanking ranking) => $"SELECT ip, m, f, fw FROM ({PerAddress}) a{Listed(ranking)} {Order(ranking)}";

    private static string Order(SourceRanking ranking) => (ranking == SourceRanking.Failing ? "ORDER BY f - fw DESC, m DESC" : "ORDER BY m DESC") + ", ip";

    /// <summary>ip, messages, failing, forwarded; the number of domains is added apart.</summary>
    private static SourceStatsDto SourceRow(DbDataReader r) =>
        new(Text(r, 0), Round(Double(r, 1)), Round(Double(r, 2)), Rate(Double(r, 2), Double(r, 1)), 0, Forwarded: Round(Double(r, 3)));

    private static async Task<AlignmentDto> AlignmentAsync(DmarcDbContext context, ReportSelection selection, CancellationToken cancellationToken)
    {
        var (messages, dkim, spf, both) = (await QueryAsync(context, selection,
            "SELECT COALESCE(SUM(message_count * w), 0), COALESCE(SUM(dkim_pass_count * w), 0), " +
            "COALESCE(SUM(spf_pass_count * w), 0), COALESCE(SUM(both_pass_count * w), 0) FROM sel",
            r => (Double(r, 0), Double(r, 1), Double(r, 2), Double(r, 3)), cancellationToken)).Single();
        return new AlignmentDto(
            Round(messages), Round(dkim), Round(spf), Round(both), Round(dkim - both), Round(spf - both),
            Math.Max(0, Round(messages - dkim - spf + both)));
    }

    /// <summary>Reporters merged by the domain of their address (<see cref="ReportSelection.Reporter"/>), named by the
    /// name that carried most of their messages, with every name they used.</summary>
    private static async Task<IReadOnlyList<ReporterStatsDto>> ReportersAsync(
        DmarcDbContext context, ReportSelection selection, int top, CancellationToken cancellationToken)
    {
        var names = (await QueryAsync(context, selection,
                "SELECT reporter, org_name, SUM(message_count * w) FROM sel GROUP BY reporter, org_name",
                r => (Reporter: r.GetString(0), Name: r.GetString(1), Messages: Double(r, 2)), cancellationToken))
            .ToLookup(n => n.Reporter, StringComparer.Ordinal);
        return await QueryAsync(context, selection,
            $"SELECT reporter, COUNT(*), SUM(message_count * w), SUM({Passing} * w) FROM sel " +
            "GROUP BY reporter ORDER BY 3 DESC, 1 LIMIT @top",
            r =>
            {
                var used = names[r.GetString(0)].OrderByDescending(n => n.Messages).ThenBy(n => n.Name, StringComparer.Ordinal).ToList();
                return new ReporterStatsDto(used[0].Name, Long(r, 1), Round(Double(r, 2)), Round(Double(r, 3)), Round(Double(r, 2)) - Round(Double(r, 3)),
                    r.GetString(0), [.. used.Select(n => n.Name).Order(StringComparer.OrdinalIgnoreCase)]);
            },
            cancellationToken, ("@top", Top(top)));
    }

    public async Task<DashboardDto> DashboardAsync(ReportFilter filter, int top, int failingTop, CancellationToken cancellationToken)
    {
        // Every part on one connection and in one transaction.
        var selection = new ReportSelection(filter, dialect);
        await using var context = await OpenAsync(cancellationToken);
        // Packs are summed in the Api while the database answers the rest.
        var summing = await PackedSourcesAsync(context, selection, filter, cancellationToken);
        var timeline = await TimelineAsync(context, selection, filter, cancellationToken);
        var alignment = await AlignmentAsync(context, selection, cancellationToken);
        var reporters = await ReportersAsync(context, selection, top, cancellationToken);
        var totals = await TotalsAsync(context, selection, cancellationToken);
        var dispositions = await DispositionsAsync(context, selection, cancellationToken);
        var domains = await DomainTotalsAsync(context, selection, top, cancellationToken);
        if (summing is not null)
        {
            var packed = await summing;
            var perDomainPacked = packed.SourcesPerDomain;
            return new DashboardDto(
                totals.ToSummary(packed.Count, dispositions),
                timeline,
                alignment,
                packed.Ranked(SourceRanking.Messages, 0, Top(top)).Rows,
                packed.Ranked(SourceRanking.Failing, 0, Top(failingTop)).Rows,
                reporters,
                domains.Select(d => d.ToDto(perDomainPacked.GetValueOrDefault(d.Domain))).ToList());
        }

        // One aggregation of the sources by (domain, address), then by address: the distinct sources overall and per
        // domain, and the top addresses by messages and by failing messages.
        var rows = await QueryAsync(context, selection,
            ", pairs AS (SELECT d, ip, SUM(m) AS m, SUM(f) AS f, SUM(fw) AS fw FROM src GROUP BY d, ip), " +
            "ips AS (SELECT ip, SUM(m) AS m, SUM(f) AS f, SUM(fw) AS fw, COUNT(*) AS n FROM pairs GROUP BY ip) " +
            "SELECT 0 AS kind, ip, CAST(NULL AS TEXT) AS d, m, f, fw, n FROM (SELECT ip, m, f, fw, n FROM ips ORDER BY m DESC, ip LIMIT @top) t " +
            // Top failing: by the failures no forwarder explains, so a mailing list does not rank as a spoofer.
            "UNION ALL SELECT 1, ip, NULL, m, f, fw, n FROM (SELECT ip, m, f, fw, n FROM ips WHERE f - fw > 0 ORDER BY f - fw DESC, m DESC, ip LIMIT @failingTop) u " +
            "UNION ALL SELECT 2, NULL, NULL, 0, 0, 0, COUNT(*) FROM ips " +
            "UNION ALL SELECT 3, NULL, d, 0, 0, 0, COUNT(*) FROM pairs GROUP BY d",
            r => (Kind: Long(r, 0), Address: r.IsDBNull(1) ? null : Text(r, 1), Domain: r.IsDBNull(2) ? null : r.GetString(2),
                Messages: Double(r, 3), Failing: Double(r, 4), Forwarded: Double(r, 5), Count: Long(r, 6)),
            cancellationToken, ("@top", Top(top)), ("@failingTop", Top(failingTop)));

        List<SourceStatsDto> Sources(long kind) => rows.Where(r => r.Kind == kind)
            .Select(r => new SourceStatsDto(r.Address!, Round(r.Messages), Round(r.Failing), Rate(r.Failing, r.Messages), r.Count, Forwarded: Round(r.Forwarded))).ToList();
        var perDomain = rows.Where(r => r.Kind == 3).ToDictionary(r => r.Domain!, r => r.Count);
        return new DashboardDto(
            totals.ToSummary(rows.Where(r => r.Kind == 2).Select(r => r.Count).SingleOrDefault(), dispositions),
            timeline,
            alignment,
            Sources(0),
            Sources(1),
            reporters,
            domains.Select(d => d.ToDto(perDomain.GetValueOrDefault(d.Domain))).ToList());
    }

    public async Task<IReadOnlyList<DomainSourceDto>> DomainSourcesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var selection = new ReportSelection(new ReportFilter(From: from, To: to), dialect);
        await using var context = await OpenAsync(cancellationToken);
        return await QueryAsync(context, selection,
            $"SELECT g.d, g.ip, g.m, CASE WHEN EXISTS (SELECT 1 FROM records r2 JOIN reports p2 ON p2.id = r2.report_id " +
            "WHERE r2.source_ip = g.ip AND lower(p2.policy_domain) = g.d AND p2.begin_at < @from) THEN 1 ELSE 0 END " +
            "FROM (SELECT d, ip, SUM(m) AS m FROM src GROUP BY d, ip) g ORDER BY 1, 3 DESC, 2",
            r => new DomainSourceDto(r.GetString(0), Text(r, 1), Round(Double(r, 2)), Long(r, 3) == 1),
            cancellationToken);
    }

    private static async Task<IReadOnlyDictionary<string, long>> DispositionsAsync(
        DmarcDbContext context, ReportSelection selection, CancellationToken cancellationToken) =>
        (await QueryAsync(context, selection,
            "SELECT COALESCE(SUM(none_count * w), 0), COALESCE(SUM(quarantine_count * w), 0), COALESCE(SUM(reject_count * w), 0) FROM sel",
            r => new Dictionary<string, long> { ["none"] = Round(Double(r, 0)), ["quarantine"] = Round(Double(r, 1)), ["reject"] = Round(Double(r, 2)) },
            cancellationToken)).Single();

    private async Task<Totals> TotalsAsync(DmarcDbContext context, ReportSelection selection, CancellationToken cancellationToken) =>
        (await QueryAsync(context, selection,
            "SELECT COUNT(*), COALESCE(SUM(record_count), 0), COALESCE(SUM(message_count * w), 0), " +
            $"COALESCE(SUM({Passing} * w), 0), COUNT(DISTINCT lower(policy_domain)), COUNT(DISTINCT reporter) FROM sel",
            r => new Totals(Long(r, 0), Long(r, 1), Double(r, 2), Double(r, 3), Long(r, 4), Long(r, 5)),
            cancellationToken)).Single();

    private static Task<List<DomainTotals>> DomainTotalsAsync(
        DmarcDbContext context, ReportSelection selection, int top, CancellationToken cancellationToken) =>
        QueryAsync(context, selection,
            $"SELECT lower(policy_domain), COUNT(*), SUM(message_count * w), SUM({Passing} * w) FROM sel " +
            "GROUP BY lower(policy_domain) ORDER BY 3 DESC, 1 LIMIT @top",
            r => new DomainTotals(r.GetString(0), Long(r, 1), Double(r, 2), Double(r, 3)),
            cancellationToken, ("@top", Top(top)));

    private sealed record Totals(long Reports, long Records, double Messages, double Passing, long Domains, long Reporters)
    {
        public SummaryDto ToSummary(long sources, IReadOnlyDictionary<string, long> dispositions)
        {
            var messages = Round(Messages);
            var passing = Round(Passing);
            return new SummaryDto(Reports, Records, messages, passing, messages - passing, Rate(Passing, Messages), Domains, sources, Reporters, dispositions);
        }
    }

    private sealed record DomainTotals(string Domain, long Reports, double Messages, double Passing)
    {
        public DomainStatsDto ToDto(long sources) =>
            new(Domain, Reports, Round(Messages), Round(Passing), Round(Messages) - Round(Passing), Rate(Passing, Messages), sources);
    }

    /// <summary>The sources of a selection over every domain summed from the packs of its days and months and the
    /// rows of those not packed (<see cref="ReportSelection.PacksQuery"/>); null for a selection without packs, whose
    /// sources the SQL of <c>src</c> sums. Read in the one snapshot of the view's transaction, then summed on the thread
    /// pool: the task returned is the sum.</summary>
    private async Task<Task<SourceAggregate>?> PackedSourcesAsync(
        DmarcDbContext context, ReportSelection selection, ReportFilter filter, CancellationToken cancellationToken)
    {
        if (!UsePacks || selection.PacksQuery is not { } packsQuery)
        {
            return null;
        }

        var packs = new List<byte[]>();
        var unpacked = new List<(string Period, DateTimeOffset Bucket)>();
        foreach (var (period, bucket, data) in await QueryAsync(context, selection, packsQuery,
                     r => (r.GetString(0), dialect.ReadTimestamp(r, 1), r.IsDBNull(2) ? null : (byte[])r.GetValue(2)), cancellationToken))
        {
            if (data is null)
            {
                unpacked.Add((period, bucket));
            }
            else
            {
                packs.Add(data);
            }
        }

        var rows = await QueryAsync(context, new ReportSelection(filter, dialect, unpacked), "SELECT d, ip, m, f, fw FROM src",
            r => new PackEntry(r.GetString(0), SourceAddress.Of(r.GetValue(1)), Double(r, 2), Double(r, 3), Double(r, 4)), cancellationToken);
        if (rows.Count > 0)
        {
            packs.Add(SourcePack.Encode(rows));
        }

        return Task.Run(() => SourceAggregate.Sum(packs), cancellationToken);
    }

    private async Task<T> OnOwnConnectionAsync<T>(
        ReportFilter filter, Func<DmarcDbContext, ReportSelection, Task<T>> query, CancellationToken cancellationToken)
    {
        await using var context = await OpenAsync(cancellationToken);
        return await query(context, new ReportSelection(filter, dialect));
    }

    private async Task<DmarcDbContext> OpenAsync(CancellationToken cancellationToken)
    {
        var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        await context.Database.OpenConnectionAsync(cancellationToken);
        if (dialect.StatsSettings is { } settings)
        {
            // Rolled back when the context is disposed; it carries the SET LOCALs, and one snapshot for the several
            // statements of a view (packs, then the rows of the days not packed).
            await context.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            await context.Database.ExecuteSqlRawAsync(settings, cancellationToken);
        }

        return context;
    }

    private static async Task<List<T>> QueryAsync<T>(
        DmarcDbContext context, ReportSelection selection, string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = Command(context, selection, sql, parameters);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static DbCommand Command(DmarcDbContext context, ReportSelection selection, string sql, (string Name, object Value)[] parameters)
    {
        var command = context.Database.GetDbConnection().CreateCommand(context.Database.CurrentTransaction?.GetDbTransaction(), selection.Cte + sql);
        foreach (var (name, value) in selection.Parameters.Concat(parameters))
        {
            command.AddParameter(name, value);
        }

        return command;
    }

    /// <summary>Addresses come back as IPAddress (PostgreSQL inet) or text (SQLite).</summary>
    private static string Text(object address) => Convert.ToString(address, CultureInfo.InvariantCulture)!;

    private static string Text(DbDataReader reader, int ordinal) => Text(reader.GetValue(ordinal));

    private static int Top(int top) => Math.Clamp(top, 1, PageRequest.MaxPageSize);

    private static double Double(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToDouble(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static long Long(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static long Round(double value) => (long)Math.Round(value, MidpointRounding.AwayFromZero);

    private static double Rate(double part, double whole) => whole > 0 ? part / whole : 0;
}
