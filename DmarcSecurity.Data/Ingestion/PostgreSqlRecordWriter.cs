using DmarcSecurity.Data.Reports;
using Npgsql;
using NpgsqlTypes;

namespace DmarcSecurity.Data.Ingestion;

internal sealed class PostgreSqlRecordWriter : IRecordBulkWriter
{
    private const string Copy =
        "COPY records (report_id, source_ip, count, disposition, dkim_policy_result, spf_policy_result, reasons, " +
        "header_from, envelope_from, envelope_to, dkim, spf, has_non_standard_values, forwarding) FROM STDIN (FORMAT BINARY)";

    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<PendingRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await using var copy = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(Copy, cancellationToken);
        // Rows are written synchronously: the importer buffers and only blocks when a buffer goes to the server,
        // while fourteen awaits per row cost more than the occasional blocking flush.
        foreach (var (reportId, record) in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            copy.StartRow();
            copy.Write(reportId, NpgsqlDbType.Bigint);
            copy.Write(Networks.Normalize(record.SourceIp), NpgsqlDbType.Inet);
            copy.Write(record.Count, NpgsqlDbType.Bigint);
            copy.Write(record.Disposition, NpgsqlDbType.Text);
            copy.Write(record.DkimPolicyResult, NpgsqlDbType.Text);
            copy.Write(record.SpfPolicyResult, NpgsqlDbType.Text);
            Write(copy, RecordJson.Write(record.Reasons), NpgsqlDbType.Jsonb);
            copy.Write(record.HeaderFrom, NpgsqlDbType.Text);
            Write(copy, record.EnvelopeFrom, NpgsqlDbType.Text);
            Write(copy, record.EnvelopeTo, NpgsqlDbType.Text);
            Write(copy, RecordJson.Write(record.Dkim), NpgsqlDbType.Jsonb);
            Write(copy, RecordJson.Write(record.Spf), NpgsqlDbType.Jsonb);
            copy.Write(record.HasNonStandardValues, NpgsqlDbType.Boolean);
            Write(copy, record.Forwarding, NpgsqlDbType.Text);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    private static void Write(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }
}
