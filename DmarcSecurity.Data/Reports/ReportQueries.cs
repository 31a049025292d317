using System.IO.Compression;

namespace DmarcSecurity.Data.Reports;

internal sealed class ReportQueries : IReportQueries
{
    private static readonly SortOrder<ReportEntity> ReportSort = new("-begin",
        new Dictionary<string, Func<IQueryable<ReportEntity>, bool, IOrderedQueryable<ReportEntity>>>(StringComparer.OrdinalIgnoreCase)
        {
            ["id"] = (q, d) => q.By(r => r.Id, d),
            ["begin"] = (q, d) => q.By(r => r.Begin, d),
            ["end"] = (q, d) => q.By(r => r.End, d),
            ["reporter"] = (q, d) => q.By(r => r.OrgName, d),
            ["domain"] = (q, d) => q.By(r => r.PolicyDomain, d),
            ["records"] = (q, d) => q.By(r => r.RecordCount, d),
            ["messages"] = (q, d) => q.By(r => r.MessageCount, d),
            ["received"] = (q, d) => q.By(r => r.File!.ReceivedAt, d),
        });

    private readonly IDbContextFactory<DmarcDbContext> _contextFactory;
    private readonly ISqlDialect _dialect;
    private readonly SortOrder<RecordEntity> _recordSort;

    public ReportQueries(IDbContextFactory<DmarcDbContext> contextFactory, ISqlDialect dialect)
    {
        _contextFactory = contextFactory;
        _dialect = dialect;
        _recordSort = new SortOrder<RecordEntity>("-begin",
            new Dictionary<string, Func<IQueryable<RecordEntity>, bool, IOrderedQueryable<RecordEntity>>>(StringComparer.OrdinalIgnoreCase)
            {
                ["id"] = (q, d) => q.By(r => r.Id, d),
                ["begin"] = (q, d) => q.By(r => r.Report!.Begin, d),
                ["count"] = (q, d) => q.By(r => r.Count, d),
                ["sourceIp"] = _dialect.OrderBySourceIp,
                ["disposition"] = (q, d) => q.By(r => r.Disposition, d),
                ["headerFrom"] = (q, d) => q.By(r => r.HeaderFrom, d),
            });
    }

    public async Task<PagedResult<ReportSummaryDto>> ListReportsAsync(ReportFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var (number, size) = Paging.Clamp(page);
        await using var context = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var query = ReportFilters.Apply(context.Reports, filter);
        var ordered = ReportSort.Apply(query, page.Sort, r => r.Id);
        var total = await query.LongCountAsync(cancellationToken);
        var rows = await ordered
            .Skip((number - 1) * size)
            .Take(size)
            .Select(r => new { Report = r, r.File!.ReceivedAt })
            .ToListAsync(cancellationToken);
        return new PagedResult<ReportSummaryDto>(rows.Select(r => ToSummary(r.Report, r.ReceivedAt)).ToList(), number, size, total);
    }

    public async Task<ReportDetailDto?> GetReportAsync(long id, CancellationToken cancellationToken)
    {
        await using var context = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var row = await context.Reports
            .Where(r => r.Id == id)
            .Select(r => new { Report = r, r.File!.ReceivedAt })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        var records = await context.Records.Where(r => r.ReportId == id)
            .OrderBy(r => r.Id)
            .ToListAsync(cancellationToken);
        var conflictIds = await context.ReportConflicts.Where(c => c.ReportId == id).OrderBy(c => c.Id).Select(c => c.Id)
            .ToListAsync(cancellationToken);
        var r = row.Report;
        return new ReportDetailDto(
            ToSummary(r, row.ReceivedAt),
            r.Version,
            r.ExtraContactInfo,
            r.Generator,
            r.Errors,
            r.Warnings,
            r.SkippedRecords,
            new PolicyPublishedDto(r.PolicyDomain, r.PolicyAdkim, r.PolicyAspf, r.PolicyP, r.PolicySp, r.PolicyNp, r.PolicyPct, r.PolicyFo,
                r.PolicyTesting, r.PolicyDiscoveryMethod),
            r.RawXmlStored,
            records.Select(ToDto).ToList())
        {
            ConflictIds = conflictIds,
        };
    }

    public async Task<byte[]?> GetRawXmlAsync(long id, CancellationToken cancellationToken)
    {
        await using var context = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var gzip = await context.RawXml.Where(x => x.ReportId == id).Select(x => x.XmlGzip).FirstOrDefaultAsync(cancellationToken);
        if (gzip is null)
        {
            return null;
        }

        await using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var output = new MemoryStream(gzip.Length * 8);
        await input.CopyToAsync(output, cancellationToken);
        return output.ToArray();
    }

    public async Task<PagedResult<RecordDto>> ListRecordsAsync(RecordFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var (number, size) = Paging.Clamp(page);
        var network = SourceNetwork(filter);
        await using var context = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var query = FilterRecords(context, filter, network);
        var ordered = _recordSort.Apply(query, page.Sort, r => r.Id);
        var total = await query.LongCountAsync(cancellationToken);
        var rows = await ordered.Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        return new PagedResult<RecordDto>(rows.Select(ToDto).ToList(), number, size, total);
    }

    public async IAsyncEnumerable<ReportSummaryDto> StreamReportsAsync(
        ReportFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var context = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = ReportFilters.Apply(context.Reports, filter).OrderBy(r => r.Id)
            .Select(r => new { Report = r, r.File!.ReceivedAt }).AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            yield return ToSummary(row.Report, row.ReceivedAt);
        }
    }

    public async IAsyncEnumerable<RecordDto> StreamRecordsAsync(
        RecordFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var network = SourceNetwork(filter);
        await using var context = await _contextFactory.CreateDbContextAsync(cancellationToken);
        await foreach (var row in FilterRecords(context, filter, network).OrderBy(r => r.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return ToDto(row);
        }
    }

    /// <summary>Parsed before any database work so a bad block is an ArgumentException, not a provider error.</summary>
    private static IpNetwork? SourceNetwork(RecordFilter filter) =>
        string.IsNullOrWhiteSpace(filter.SourceIp) ? null : IpNetwork.Parse(filter.SourceIp);

    private IQueryable<RecordEntity> FilterRecords(DmarcDbContext context, RecordFilter filter, IpNetwork? network)
    {
        IQueryable<RecordEntity> query = context.Records;
        if (network is { } block)
        {
            query = _dialect.WhereSourceIpIn(query, block);
        }

        if (ReportFilters.Normalise(filter.Disposition) is { } disposition)
        {
            query = query.Where(r => r.Disposition.ToLower() == disposition);
        }

        if (ReportFilters.Normalise(filter.Dkim) is { } dkim)
        {
            query = query.Where(r => r.DkimPolicyResult.ToLower() == dkim);
        }

        if (ReportFilters.Normalise(filter.Spf) is { } spf)
        {
            query = query.Where(r => r.SpfPolicyResult.ToLower() == spf);
        }

        var reportFilter = new ReportFilter(filter.Domain, null, filter.From, filter.To);
        if (ReportFilters.IsRestrictive(reportFilter))
        {
            var reportIds = ReportFilters.Apply(context.Reports, reportFilter).Select(r => r.Id);
            query = query.Where(r => reportIds.Contains(r.ReportId));
        }

        return query;
    }

    private static ReportSummaryDto ToSummary(ReportEntity r, DateTimeOffset receivedAt) => new(
        r.Id, r.Format.ToString(), r.OrgName, r.ReporterEmail, r.ReportId, r.Begin, r.End, r.PolicyDomain, r.PolicyP,
        r.RecordCount, r.MessageCount, r.FileId, receivedAt);

    private static RecordDto ToDto(RecordEntity r) => new(
        r.Id,
        r.ReportId,
        r.SourceIp.ToString(),
        r.Count,
        r.Disposition,
        r.DkimPolicyResult,
        r.SpfPolicyResult,
        RecordJson.ReadReasons(r.Reasons),
        r.HeaderFrom,
        r.EnvelopeFrom,
        r.EnvelopeTo,
        RecordJson.ReadDkim(r.Dkim),
        RecordJson.ReadSpf(r.Spf),
        r.HasNonStandardValues);
}
