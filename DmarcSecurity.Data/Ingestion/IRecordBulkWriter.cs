using DmarcSecurity.Core.Reports;

namespace DmarcSecurity.Data.Ingestion;

/// <summary>A record to insert, with the id of its already-inserted report.</summary>
internal readonly record struct PendingRecord(long ReportId, ReportRecord Record);

/// <summary>Inserts records inside the caller's transaction, without EF change tracking:
/// binary COPY on PostgreSQL, one prepared statement on SQLite.</summary>
internal interface IRecordBulkWriter
{
    Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<PendingRecord> records, CancellationToken cancellationToken);
}
