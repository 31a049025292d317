using System.Text.Json;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Ingestion;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Data.Ids;

/// <summary>What became of one IDS log.</summary>
/// <param name="Alerts">Alerts and notices stored.</param>
/// <param name="Sources">Source addresses the log named; each one's grain was sent the log's evidence.</param>
/// <param name="DuplicateOf">For a log whose exact bytes were stored before: that ingestion.</param>
public sealed record IdsIngestResult(
    long Id,
    FileOutcome Outcome,
    IdsFormat? Format,
    long Lines,
    long Events,
    long Alerts,
    long Connections,
    long Unreadable,
    IReadOnlyDictionary<string, long> Skipped,
    IReadOnlyList<IdsLineError> Errors,
    int Sources,
    long? DuplicateOf,
    string? Error);

/// <summary>Stores IDS logs: the alerts and notices, and the evidence for the source-IP grains, in one transaction per
/// log, so a log is either taken whole or not at all; connection records only as evidence.</summary>
public interface IIdsIngestor
{
    /// <param name="format">Null: detected from the content.</param>
    /// <param name="checkDuplicate">Refuse a log whose exact bytes were stored before (uploads); a tailer reads new
    /// lines of the same file and does not.</param>
    Task<IdsIngestResult> IngestAsync(Stream content, IdsFormat? format, IncomingFile file, bool checkDuplicate, CancellationToken cancellationToken) =>
        IngestAsync(content, format, file, checkDuplicate, readOptions: null, beforeCommit: null, cancellationToken);

    /// <param name="readOptions">How to read (a tailer: <c>AtEnd = false</c>, the Zeek header carried over, the
    /// sensor's offset); null: the whole input, read now.</param>
    /// <param name="beforeCommit">Run inside the log's transaction once its alerts and evidence are written, before
    /// the commit, with what was read (<see cref="IdsReadStats.ConsumedBytes"/>): a tailer stores its new position
    /// there, so the lines and the position commit together or not at all. Not run for a refused log.</param>
    Task<IdsIngestResult> IngestAsync(
        Stream content,
        IdsFormat? format,
        IncomingFile file,
        bool checkDuplicate,
        IdsReadOptions? readOptions,
        Func<DbContext, IdsReadStats, CancellationToken, Task>? beforeCommit,
        CancellationToken cancellationToken);
}

internal sealed class IdsIngestor(IDbContextFactory<DmarcDbContext> contexts, IGrainInboxWriter inbox, TimeProvider clock) : IIdsIngestor
{
    /// <summary>Alerts written per round trip.</summary>
    private const int AlertBatch = 2000;

    public async Task<IdsIngestResult> IngestAsync(
        Stream content,
        IdsFormat? format,
        IncomingFile file,
        bool checkDuplicate,
        IdsReadOptions? readOptions,
        Func<DbContext, IdsReadStats, CancellationToken, Task>? beforeCommit,
        CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (checkDuplicate && await db.IdsIngestions.Where(i => i.Sha256 == file.Sha256 && i.Outcome == FileOutcome.Stored)
                .OrderBy(i => i.Id).Select(i => (long?)i.Id).FirstOrDefaultAsync(cancellationToken) is { } earlier)
        {
            var duplicate = Row(file, FileOutcome.Duplicate, format, $"The same log was stored before (IDS ingestion {earlier}).");
            return Result(await AddAsync(db, duplicate, cancellationToken), new IdsReadStats(), 0, earlier);
        }

        var stats = new IdsReadStats();
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var row = await AddAsync(db, Row(file, FileOutcome.Stored, format, null), cancellationToken);
            var evidence = new IdsEvidenceBuilder(row.Id);
            var pending = new List<IdsAlertEntity>(AlertBatch);
            long alerts = 0, connections = 0;
            foreach (var entry in IdsLogReader.Read(content, format, stats, readOptions ?? new IdsReadOptions { Now = clock.GetUtcNow() }))
            {
                evidence.Add(entry);
                if (entry.Kind == IdsEventKind.Connection)
                {
                    connections++;
                    continue;
                }

                alerts++;
                pending.Add(Alert(row.Id, entry));
                if (pending.Count == AlertBatch)
                {
                    await FlushAsync(db, pending, cancellationToken);
                }
            }

            await FlushAsync(db, pending, cancellationToken);
            Count(row, stats, alerts, connections, evidence.Sources);
            db.IdsIngestions.Update(row);
            await db.SaveChangesAsync(cancellationToken);
            await inbox.EnqueueAsync(db, [.. evidence.Events()], cancellationToken);
            if (beforeCommit is not null)
            {
                await beforeCommit(db, stats, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return Result(row, stats, evidence.Sources, null);
        }
        catch (InvalidDataException e)
        {
            db.ChangeTracker.Clear();
            var rejected = Row(file, FileOutcome.Rejected, stats.Format ?? format, e.Message);
            Count(rejected, stats, 0, 0, 0);
            return Result(await AddAsync(db, rejected, cancellationToken), stats, 0, null);
        }
    }

    private static IdsIngestionEntity Row(IncomingFile file, FileOutcome outcome, IdsFormat? format, string? error) => new()
    {
        ReceivedAt = file.ReceivedAt,
        Source = file.Source,
        FileName = file.FileName,
        Size = file.Size,
        Sha256 = file.Sha256,
        Format = format,
        Outcome = outcome,
        Error = error,
    };

    private static void Count(IdsIngestionEntity row, IdsReadStats stats, long alerts, long connections, int sources)
    {
        row.Format = stats.Format ?? row.Format;
        row.Lines = stats.Lines;
        row.Events = stats.Events;
        row.Alerts = alerts;
        row.Connections = connections;
        row.Unreadable = stats.Unreadable;
        row.Skipped = JsonSerializer.Serialize(stats.Skipped);
        row.LineErrors = JsonSerializer.Serialize(stats.Errors, JsonSerializerOptions.Web);
        row.Sources = sources;
    }

    private static async Task<IdsIngestionEntity> AddAsync(DmarcDbContext db, IdsIngestionEntity row, CancellationToken cancellationToken)
    {
        db.IdsIngestions.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return row;
    }

    private static async Task FlushAsync(DmarcDbContext db, List<IdsAlertEntity> pending, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        db.IdsAlerts.AddRange(pending);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        pending.Clear();
    }

    private static IdsAlertEntity Alert(long ingestion, IdsEvent e) => new()
    {
        IngestionId = ingestion,
        At = e.At.ToUniversalTime(),
        Kind = e.Kind,
        Sensor = e.Sensor,
        SourceIp = e.SourceIp,
        SourcePort = e.SourcePort,
        DestinationIp = e.DestinationIp,
        DestinationPort = e.DestinationPort,
        Protocol = e.Protocol,
        Signature = e.Signature,
        SignatureId = e.SignatureId,
        Classification = e.Classification,
        Priority = IdsPriorities.Of(e),
        Action = e.Action,
    };

    private static IdsIngestResult Result(IdsIngestionEntity row, IdsReadStats stats, int sources, long? duplicateOf) =>
        new(row.Id, row.Outcome, row.Format, row.Lines, row.Events, row.Alerts, row.Connections, row.Unreadable,
            stats.Skipped, stats.Errors, sources, duplicateOf, row.Error);
}
