using System.Diagnostics;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Ingestion;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Ingestion;

/// <summary>Takes one received file to its outcome: duplicate by bytes, rejected with a reason, or stored.
/// Every failure is confined to its own file.</summary>
public sealed partial class FileIngestionService(
    IReportIngestor ingestor,
    Stats.StatsGeneration statsGeneration,
    IDbContextFactory<DmarcDbContext> contexts,
    IOptions<IngestionOptions> options,
    TimeProvider time,
    ILogger<FileIngestionService> logger)
{
    private readonly ReportExtractor _extractor = new(options.Value.ToLimits());

    public async Task<FileIngestResult> IngestAsync(Stream content, string sha256, string source, string? fileName, long size, CancellationToken cancellationToken)
    {
        using var activity = IngestionTelemetry.Source.StartActivity("ingest file");
        activity?.SetTag("dmarc.file.sha256", sha256);
        activity?.SetTag("dmarc.file.size", size);

        var file = new IncomingFile(sha256, source, fileName, size, time.GetUtcNow());
        var result = await IngestCoreAsync(content, file, cancellationToken);
        await RecordHistoryAsync(file, result, cancellationToken);

        activity?.SetTag("dmarc.file.outcome", result.Outcome.ToString());
        IngestionTelemetry.Files.Add(1, new KeyValuePair<string, object?>("outcome", result.Outcome.ToString()));
        if (result.Outcome == FileOutcome.Rejected)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Reason?.ToString());
            IngestionTelemetry.Rejections.Add(1, new KeyValuePair<string, object?>("reason", result.Reason?.ToString()));
        }
        else
        {
            IngestionTelemetry.Reports.Add(result.StoredReportIds.Count);
            IngestionTelemetry.TlsReports.Add(result.StoredTlsReportIds.Count);
            IngestionTelemetry.FailureReports.Add(result.StoredFailureReportIds.Count);
            IngestionTelemetry.Records.Add(result.RecordCount);
        }

        if (result.StoredReportIds.Count > 0)
        {
            // Before the answer: once the uploader hears "stored", no view is served from before it.
            await statsGeneration.MoveOnAsync();
        }

        return result;
    }

    private async Task<FileIngestResult> IngestCoreAsync(Stream content, IncomingFile file, CancellationToken cancellationToken)
    {
        if (await ingestor.FindDuplicateFileAsync(file.Sha256, cancellationToken) is { } duplicate)
        {
            return duplicate;
        }

        ExtractedContent reports;
        var started = Stopwatch.GetTimestamp();
        try
        {
            reports = WithoutBodiesUnlessStored(_extractor.ExtractContent(content, file.FileName ?? "upload"));
        }
        catch (ReportRejectedException e)
        {
            LogRejected(logger, file.FileName, file.Sha256, e.Reason, e.Message);
            return await ingestor.RecordRejectionAsync(file, e.Reason, e.Message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e, file.FileName, file.Sha256);
            return await ingestor.RecordRejectionAsync(
                file, RejectionReason.ProcessingFailed, "The file could not be processed; the error was logged.", cancellationToken);
        }
        finally
        {
            IngestionTelemetry.ParseDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        try
        {
            return await ingestor.StoreAsync(file, reports, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && !DatabaseUnavailable.Is(e))
        {
            // The store's transaction rolled back, so nothing of this file landed; the other files go on. (With the
            // database gone, the whole upload is answered 503 instead: the file is fine and is to be sent again.)
            LogFailed(logger, e, file.FileName, file.Sha256);
            return new FileIngestResult(FileOutcome.Rejected, null, [], [], 0, RejectionReason.ProcessingFailed,
                "The file could not be stored; nothing of it was kept and the error was logged.");
        }
    }

    /// <summary>A failure report's original body is personal data: dropped here, before storage, unless the operator
    /// turned storing bodies on.</summary>
    private ExtractedContent WithoutBodiesUnlessStored(ExtractedContent content) =>
        options.Value.FailureReports.StoreBodies || content.FailureReports.All(f => f.Report.OriginalBody is null)
            ? content
            : content with { FailureReports = [.. content.FailureReports.Select(f => f with { Report = f.Report with { OriginalBody = null } })] };

    /// <summary>One history row per arrival, whatever its outcome. The outcome is already committed; a failure
    /// here costs the history its row, never the file its reports.</summary>
    private async Task RecordHistoryAsync(IncomingFile file, FileIngestResult result, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.IngestionHistory.Add(new IngestionHistoryEntity
            {
                ReceivedAt = file.ReceivedAt,
                Source = file.Source,
                FileName = file.FileName,
                Size = file.Size,
                Sha256 = file.Sha256.ToLowerInvariant(),
                Outcome = result.Outcome,
                RejectionReason = result.Reason,
                Error = result.Error is { Length: > 2000 } error ? error[..2000] : result.Error,
                FileId = result.FileId,
                ReportIds = string.Join(',', result.StoredReportIds),
                DuplicateOfReportIds = string.Join(',', result.DuplicateOfReportIds),
                RecordCount = result.RecordCount,
                TlsReportIds = string.Join(',', result.StoredTlsReportIds),
                DuplicateOfTlsReportIds = string.Join(',', result.DuplicateOfTlsReportIds),
                FailureReportIds = string.Join(',', result.StoredFailureReportIds),
                DuplicateOfFailureReportIds = string.Join(',', result.DuplicateOfFailureReportIds),
                ConflictIds = string.Join(',', result.ConflictIds),
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogHistoryFailed(logger, e, file.FileName, file.Sha256);
        }
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Could not record file {FileName} ({Sha256}) in the ingestion history")]
    private static partial void LogHistoryFailed(ILogger logger, Exception exception, string? fileName, string sha256);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Rejected file {FileName} ({Sha256}): {Reason}: {Detail}")]
    private static partial void LogRejected(ILogger logger, string? fileName, string sha256, RejectionReason reason, string detail);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Failed to process file {FileName} ({Sha256})")]
    private static partial void LogFailed(ILogger logger, Exception exception, string? fileName, string sha256);
}
