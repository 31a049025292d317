using DmarcSecurity.Data.Reports;
using Microsoft.Data.Sqlite;

namespace DmarcSecurity.Data.Ingestion;

internal sealed class SqliteRecordWriter : IRecordBulkWriter
{
    private const string Insert =
        "INSERT INTO records (report_id, source_ip, source_ip_key, count, disposition, dkim_policy_result, spf_policy_result, " +
        "reasons, header_from, envelope_from, envelope_to, dkim, spf, has_non_standard_values, forwarding) " +
        "VALUES ($report_id, $source_ip, $source_ip_key, $count, $disposition, $dkim_policy_result, $spf_policy_result, " +
        "$reasons, $header_from, $envelope_from, $envelope_to, $dkim, $spf, $has_non_standard_values, $forwarding)";

    private static readonly string[] Parameters =
    [
        "$report_id", "$source_ip", "$source_ip_key", "$count", "$disposition", "$dkim_policy_result", "$spf_policy_result",
        "$reasons", "$header_from", "$envelope_from", "$envelope_to", "$dkim", "$spf", "$has_non_standard_values", "$forwarding",
    ];

    // SQLite runs in-process: a statement prepared once and re-bound per row inside the caller's transaction is
    // its bulk path (no network round trips to save by batching several rows per statement).
    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<PendingRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await using var insert = new SqliteCommand(Insert, (SqliteConnection)connection, (SqliteTransaction)transaction);
        var parameters = Parameters.Select(name => insert.Parameters.Add(new SqliteParameter { ParameterName = name })).ToArray();
        insert.Prepare();
        foreach (var (reportId, record) in records)
        {
            var address = Networks.Normalize(record.SourceIp);
            parameters[0].Value = reportId;
            parameters[1].Value = address.ToString();
            parameters[2].Value = IpNetwork.Key(address);
            parameters[3].Value = record.Count;
            parameters[4].Value = record.Disposition;
            parameters[5].Value = record.DkimPolicyResult;
            parameters[6].Value = record.SpfPolicyResult;
            parameters[7].Value = (object?)RecordJson.Write(record.Reasons) ?? DBNull.Value;
            parameters[8].Value = record.HeaderFrom;
            parameters[9].Value = (object?)record.EnvelopeFrom ?? DBNull.Value;
            parameters[10].Value = (object?)record.EnvelopeTo ?? DBNull.Value;
            parameters[11].Value = (object?)RecordJson.Write(record.Dkim) ?? DBNull.Value;
            parameters[12].Value = (object?)RecordJson.Write(record.Spf) ?? DBNull.Value;
            parameters[13].Value = record.HasNonStandardValues;
            parameters[14].Value = (object?)record.Forwarding ?? DBNull.Value;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
