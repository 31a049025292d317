using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.FailureReports;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Stats;
using DmarcSecurity.Data.TlsReports;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Data.Ingestion;

internal sealed partial class ReportIngestor(
    IDbContextFactory<DmarcDbContext> contextFactory,
    IRecordBulkWriter recordWriter,
    IGrainInboxWriter inbox,
    SourceRollups rollups,
    ISqlDialect dialect,
    IOptions<DataOptions> options,
    ILogger<ReportIngestor> logger) : IReportIngestor
{
    // A unique violation means a concurrent request stored the same file or report first; one retry sees it
    // committed and answers duplicate. More attempts only guard against a third writer in the same instant.
    private const int MaxAttempts = 3;
    private const int MaxErrorLength = 4000;

    public async Task<FileIngestResult?> FindDuplicateFileAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await FindStoredFileAsync(context, sha256.ToLowerInvariant(), cancellationToken);
    }

    public async Task<FileIngestResult> StoreAsync(IncomingFile file, ExtractedContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(content);
        if (content.Count == 0)
        {
            throw new ArgumentException("A file without reports is recorded with RecordRejectionAsync, not stored.", nameof(content));
        }

        var maxRawXmlBytes = options.Value.MaxRawXmlBytes;
        var prepared = content.Reports.Select(r => PreparedReport.Create(r, maxRawXmlBytes)).ToList();
        var preparedTls = content.TlsReports.Select(r => new PreparedTlsReport(r)).ToList();
        var preparedFailures = content.FailureReports.Select(r => new PreparedFailureReport(r)).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStoreAsync(file, prepared, preparedTls, preparedFailures, checkBytes: attempt > 1, cancellationToken);
            }
            catch (Exception e) when (attempt < MaxAttempts && dialect.IsUniqueViolation(e))
            {
                LogConcurrentDuplicate(logger, file.Sha256, attempt);
            }
        }
    }

    public async Task<FileIngestResult> RecordRejectionAsync(IncomingFile file, RejectionReason reason, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        // The message may quote attacker-controlled input; keep the row bounded.
        var stored = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var entity = NewFile(file, FileOutcome.Rejected);
        entity.RejectionReason = reason;
        entity.Error = stored;
        context.IngestedFiles.Add(entity);
        await context.SaveChangesAsync(cancellationToken);
        LogRejected(logger, entity.Id, reason);
        return new FileIngestResult(FileOutcome.Rejected, entity.Id, [], [], 0, reason, stored);
    }

    /// <param name="checkBytes">False on the first attempt: callers look for a byte-identical file before parsing
    /// (<see cref="FindDuplicateFileAsync"/>), so the unique index on sha256 is left to catch the rare race, saving a round trip.</param>
    private async Task<FileIngestResult> TryStoreAsync(
        IncomingFile file,
        List<PreparedReport> prepared,
        List<PreparedTlsReport> preparedTls,
        List<PreparedFailureReport> preparedFailures,
        bool checkBytes,
        CancellationToken cancellationToken)
    {
        var sha256 = file.Sha256.ToLowerInvariant();
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        // The whole transaction is rolled back on any failure, so EF's savepoint around SaveChanges is a wasted round trip.
        context.Database.AutoSavepointsEnabled = false;
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);

        if (checkBytes && await FindStoredFileAsync(context, sha256, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        var keys = prepared.Select(p => p.IdentityKey).Distinct().ToList();
        var storedReports = await context.Reports
            .Where(r => keys.Contains(r.IdentityKey))
            .Select(r => new { r.IdentityKey, r.Id, r.ContentSha256 })
            .ToListAsync(cancellationToken);
        var known = storedReports.ToDictionary(r => r.IdentityKey, r => r.Id);
        // What each stored report says, and what its conflicting copies said: a repeat of any of these is a duplicate.
        var seenContent = new HashSet<(string IdentityKey, string Content)>();
        if (storedReports.Count > 0)
        {
            var knownIds = storedReports.Select(r => r.Id).ToList();
            var identityOf = storedReports.ToDictionary(r => r.Id, r => r.IdentityKey);
            foreach (var stored in storedReports)
            {
                seenContent.Add((stored.IdentityKey, stored.ContentSha256 ?? await FingerprintStoredAsync(context, stored.Id, cancellationToken)));
            }

            foreach (var copy in await context.ReportConflicts.Where(c => knownIds.Contains(c.ReportId))
                         .Select(c => new { c.ReportId, c.ContentSha256 }).ToListAsync(cancellationToken))
            {
                seenContent.Add((identityOf[copy.ReportId], copy.ContentSha256));
            }
        }

        var tlsKeys = preparedTls.Select(p => p.IdentityKey).Distinct().ToList();
        var knownTls = tlsKeys.Count == 0
            ? []
            : await context.TlsReports
                .Where(r => tlsKeys.Contains(r.IdentityKey))
                .Select(r => new { r.IdentityKey, r.Id })
                .ToDictionaryAsync(r => r.IdentityKey, r => r.Id, cancellationToken);

        var failureKeys = preparedFailures.Select(p => p.IdentityKey).Distinct().ToList();
        var knownFailures = failureKeys.Count == 0
            ? []
            : await context.FailureReports
                .Where(r => failureKeys.Contains(r.IdentityKey))
                .Select(r => new { r.IdentityKey, r.Id })
                .ToDictionaryAsync(r => r.IdentityKey, r => r.Id, cancellationToken);

        var fileEntity = NewFile(file, FileOutcome.Duplicate);
        context.IngestedFiles.Add(fileEntity);
        var tls = AddKeyed(
            preparedTls,
            p => p.IdentityKey,
            knownTls,
            p => context.TlsReports.Add(p.ToEntity(fileEntity)).Entity,
            id => context.DuplicateTlsReports.Add(new DuplicateTlsReportEntity { File = fileEntity, TlsReportId = id }));
        var failures = AddKeyed(
            preparedFailures,
            p => p.IdentityKey,
            knownFailures,
            p => context.FailureReports.Add(p.ToEntity(fileEntity)).Entity,
            id => context.DuplicateFailureReports.Add(new DuplicateFailureReportEntity { File = fileEntity, FailureReportId = id }));

        // Per report in file order: the new entity, or the id of the stored report it repeats.
        var slots = new List<(ReportEntity? New, long ExistingId)>(prepared.Count);
        var newByKey = new Dictionary<string, (ReportEntity Entity, PreparedReport Prepared)>();
        var linked = new HashSet<long>();
        var conflicts = new List<(ReportConflictEntity Copy, PreparedReport Report)>();
        foreach (var report in prepared)
        {
            // The same report with content not seen before is kept as a conflicting copy of the stored one; the
            // file still answers the stored report as the one it repeated.
            var newContent = seenContent.Add((report.IdentityKey, report.ContentSha256));
            if (known.TryGetValue(report.IdentityKey, out var existingId))
            {
                slots.Add((null, existingId));
                if (linked.Add(existingId))
                {
                    context.DuplicateReports.Add(new DuplicateReportEntity { File = fileEntity, ReportId = existingId });
                }

                if (newContent)
                {
                    conflicts.Add((context.ReportConflicts.Add(report.ToConflict(fileEntity, existingId, storedInThisFile: null)).Entity, report));
                }
            }
            else if (newByKey.TryGetValue(report.IdentityKey, out var sameInFile))
            {
                // The same report twice in one file: stored once, the repeat answered as its duplicate.
                slots.Add((sameInFile.Entity, 0));
                if (newContent)
                {
                    conflicts.Add((context.ReportConflicts.Add(report.ToConflict(fileEntity, 0, sameInFile.Entity)).Entity, report));
                }
            }
            else
            {
                var entity = report.ToEntity(fileEntity);
                newByKey.Add(report.IdentityKey, (entity, report));
                slots.Add((entity, 0));
                context.Reports.Add(entity);
                if (report.XmlGzip is { } xml)
                {
                    context.RawXml.Add(new RawXmlEntity { Report = entity, XmlGzip = xml });
                }
            }
        }

        if (newByKey.Count > 0 || tls.Stored.Count > 0 || failures.Stored.Count > 0)
        {
            fileEntity.Outcome = FileOutcome.Stored;
        }

        await context.SaveChangesAsync(cancellationToken);

        var records = newByKey.Values
            .SelectMany(n => n.Prepared.Report.Records.Select(r => new PendingRecord(n.Entity.Id, r)))
            .ToList();

        var connection = context.Database.GetDbConnection();
        await recordWriter.WriteAsync(connection, transaction.GetDbTransaction(), records, cancellationToken);
        // The grains hear of exactly what was stored: the events commit or roll back with the records.
        var events = newByKey.Values.SelectMany(n => GrainEvents.For(n.Entity.Id, n.Prepared.Report))
            .Concat(failures.Stored.Select(PreparedFailureReport.EventFor))
            .ToList();
        await inbox.EnqueueAsync(connection, transaction.GetDbTransaction(), events, cancellationToken);
        await SourceRollups.QueueAsync(connection, transaction.GetDbTransaction(), newByKey.Values.Select(n => n.Entity.Id).ToList(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (newByKey.Count > 0)
        {
            rollups.ReportsStored();
        }

        var storedIds = newByKey.Values.Select(n => n.Entity.Id).ToList();
        var firstSeen = new HashSet<ReportEntity>(ReferenceEqualityComparer.Instance);
        var duplicateIds = new List<long>();
        foreach (var (entity, existingId) in slots)
        {
            if (entity is null)
            {
                duplicateIds.Add(existingId);
            }
            else if (!firstSeen.Add(entity))
            {
                duplicateIds.Add(entity.Id);
            }
        }

        LogStored(logger, fileEntity.Id, storedIds.Count, duplicateIds.Count, records.Count);
        foreach (var (copy, report) in conflicts)
        {
            LogConflict(logger, fileEntity.Id, report.Report.OrgName, report.Report.ReportId, report.Report.Policy.Domain, copy.Id, copy.ReportId);
        }

        if (preparedTls.Count > 0)
        {
            LogStoredTls(logger, fileEntity.Id, tls.Stored.Count, tls.Duplicates.Count);
        }

        if (preparedFailures.Count > 0)
        {
            LogStoredFailures(logger, fileEntity.Id, failures.Stored.Count, failures.Duplicates.Count);
        }

        return new FileIngestResult(fileEntity.Outcome, fileEntity.Id, storedIds, duplicateIds, records.Count)
        {
            StoredTlsReportIds = [.. tls.Stored.Select(e => e.Id)],
            DuplicateOfTlsReportIds = [.. tls.Duplicates.Select(d => d.Entity?.Id ?? d.ExistingId)],
            StoredFailureReportIds = [.. failures.Stored.Select(e => e.Id)],
            DuplicateOfFailureReportIds = [.. failures.Duplicates.Select(d => d.Entity?.Id ?? d.ExistingId)],
            ConflictIds = [.. conflicts.Select(c => c.Copy.Id)],
        };
    }

    /// <summary>The fingerprint of a report stored before fingerprints were kept, from its stored policy and records;
    /// kept on the report so it is computed once.</summary>
    private static async Task<string> FingerprintStoredAsync(DmarcDbContext context, long reportId, CancellationToken cancellationToken)
    {
        var policy = await context.Reports.Where(r => r.Id == reportId)
            .Select(r => new { r.PolicyAdkim, r.PolicyAspf, r.PolicyP, r.PolicySp, r.PolicyNp, r.PolicyPct })
            .FirstAsync(cancellationToken);
        var records = await context.Records.AsNoTracking().Where(r => r.ReportId == reportId).ToListAsync(cancellationToken);
        var fingerprint = ReportContent.Fingerprint(policy.PolicyAdkim, policy.PolicyAspf, policy.PolicyP, policy.PolicySp, policy.PolicyNp,
            policy.PolicyPct, records.Select(ComparedRecord.Of));
        await context.Reports.Where(r => r.Id == reportId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ContentSha256, fingerprint), cancellationToken);
        return fingerprint;
    }

    /// <summary>Adds the file's new TLS or failure reports and links those it repeats; a report twice in one file is
    /// stored once, its repeat answered as a duplicate, as for aggregate reports.</summary>
    /// <param name="add">Adds a new report's entity to the context and returns it.</param>
    /// <param name="link">Records that the file repeated the stored report with this id.</param>
    private static (List<TEntity> Stored, List<(TEntity? Entity, long ExistingId)> Duplicates) AddKeyed<TPrepared, TEntity>(
        List<TPrepared> prepared, Func<TPrepared, string> keyOf, Dictionary<string, long> known, Func<TPrepared, TEntity> add, Action<long> link)
        where TEntity : class
    {
        var stored = new Dictionary<string, TEntity>();
        var duplicates = new List<(TEntity? Entity, long ExistingId)>();
        var linked = new HashSet<long>();
        foreach (var report in prepared)
        {
            var key = keyOf(report);
            if (known.TryGetValue(key, out var existingId))
            {
                duplicates.Add((null, existingId));
                if (linked.Add(existingId))
                {
                    link(existingId);
                }
            }
            else if (stored.TryGetValue(key, out var sameInFile))
            {
                duplicates.Add((sameInFile, 0));
            }
            else
            {
                stored.Add(key, add(report));
            }
        }

        return ([.. stored.Values], duplicates);
    }

    private static async Task<FileIngestResult?> FindStoredFileAsync(DmarcDbContext context, string sha256, CancellationToken cancellationToken)
    {
        var fileId = await context.IngestedFiles
            .Where(f => f.Sha256 == sha256 && f.Outcome != FileOutcome.Rejected)
            .Select(f => (long?)f.Id)
            .FirstOrDefaultAsync(cancellationToken);
        if (fileId is not { } id)
        {
            return null;
        }

        var reportIds = await context.Reports.Where(r => r.FileId == id).Select(r => r.Id)
            .Union(context.DuplicateReports.Where(d => d.FileId == id).Select(d => d.ReportId))
            .OrderBy(r => r)
            .ToListAsync(cancellationToken);
        var tlsReportIds = await context.TlsReports.Where(r => r.FileId == id).Select(r => r.Id)
            .Union(context.DuplicateTlsReports.Where(d => d.FileId == id).Select(d => d.TlsReportId))
            .OrderBy(r => r)
            .ToListAsync(cancellationToken);
        var failureReportIds = await context.FailureReports.Where(r => r.FileId == id).Select(r => r.Id)
            .Union(context.DuplicateFailureReports.Where(d => d.FileId == id).Select(d => d.FailureReportId))
            .OrderBy(r => r)
            .ToListAsync(cancellationToken);
        return new FileIngestResult(FileOutcome.Duplicate, id, [], reportIds, 0)
        {
            DuplicateOfTlsReportIds = tlsReportIds.ToArray(),
            DuplicateOfFailureReportIds = failureReportIds.ToArray(),
        };
    }

    private static IngestedFileEntity NewFile(IncomingFile file, FileOutcome outcome) => new()
    {
        Sha256 = file.Sha256.ToLowerInvariant(),
        Source = file.Source,
        FileName = file.FileName,
        Size = file.Size,
        ReceivedAt = file.ReceivedAt.ToUniversalTime(),
        Outcome = outcome,
    };

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Stored file {FileId}: {StoredReports} new reports, {DuplicateReports} duplicates, {Records} records")]
    private static partial void LogStored(ILogger logger, long fileId, int storedReports, int duplicateReports, int records);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information,
        Message = "Stored file {FileId}: {StoredTlsReports} new SMTP TLS reports, {DuplicateTlsReports} duplicates")]
    private static partial void LogStoredTls(ILogger logger, long fileId, int storedTlsReports, int duplicateTlsReports);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information,
        Message = "Stored file {FileId}: {StoredFailureReports} new DMARC failure reports, {DuplicateFailureReports} duplicates")]
    private static partial void LogStoredFailures(ILogger logger, long fileId, int storedFailureReports, int duplicateFailureReports);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning,
        Message = "File {FileId}: report {OrgName} {ReportId} for {Domain} arrived again with different content; kept as conflicting copy {ConflictId} of report {StoredReportId}")]
    private static partial void LogConflict(ILogger logger, long fileId, string orgName, string reportId, string domain, long conflictId, long storedReportId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Recorded rejected file {FileId}: {Reason}")]
    private static partial void LogRejected(ILogger logger, long fileId, RejectionReason reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug,
        Message = "File {Sha256} met a concurrent copy of itself or of one of its reports (attempt {Attempt}); retrying")]
    private static partial void LogConcurrentDuplicate(ILogger logger, string sha256, int attempt);
}
