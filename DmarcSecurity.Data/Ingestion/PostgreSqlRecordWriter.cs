using DmarcSecurity.Data.Reports;
using Npgsql;
using NpgsqlTypes;

namespace DmarcSecurity.Data.Ingestion;

internal sealed class PostgreSqlRecordWriter : IRecordBulkWriter
{
    private const string Copy =
        "COPY records (report_id, source_ip, count, disposition, dkim_policy_result, spf_policy_result, reasons, " +
        "header_from, envelope_from, envelope_to, dkim, spf, has_non_standard_values) FROM STDIN (FORMAT BINARY)";

    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<PendingRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await using var copy = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(Copy, cancellationToken);
        foreach (var (reportId, record) in records)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(reportId, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(IpNetwork.Normalize(record.SourceIp), NpgsqlDbType.Inet, cancellationToken);
            await copy.WriteAsync(record.Count, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(record.Disposition, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(record.DkimPolicyResult, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(record.SpfPolicyResult, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, RecordJson.Write(record.Reasons), NpgsqlDbType.Jsonb, cancellationToken);
            await copy.WriteAsync(record.HeaderFrom, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, record.EnvelopeFrom, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, record.EnvelopeTo, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, RecordJson.Write(record.Dkim), NpgsqlDbType.Jsonb, cancellationToken);
            await WriteAsync(copy, RecordJson.Write(record.Spf), NpgsqlDbType.Jsonb, cancellationToken);
            await copy.WriteAsync(record.HasNonStandardValues, NpgsqlDbType.Boolean, cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    private static Task WriteAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, type, cancellationToken);
}
