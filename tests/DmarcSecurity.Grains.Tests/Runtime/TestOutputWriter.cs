using System.Data.Common;
using System.Text;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Grains.Runtime;

namespace DmarcSecurity.Grains.Tests.Runtime;

/// <summary>Stores outputs in a table of the test database, inside the runtime's transaction: an output that shows up
/// twice, or without its state change, would show up in that table.</summary>
internal sealed class TestOutputWriter : IGrainOutputWriter
{
    public const string CreateTable =
        "CREATE TABLE test_outputs (grain_type text NOT NULL, grain_key text NOT NULL, kind text NOT NULL, payload text NOT NULL)";

    private const int RowsPerStatement = 200;

    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(string GrainType, string GrainKey, GrainOutput Output)> outputs, CancellationToken cancellationToken)
    {
        foreach (var chunk in outputs.Chunk(RowsPerStatement))
        {
            var sql = new StringBuilder("INSERT INTO test_outputs (grain_type, grain_key, kind, payload) VALUES ");
            await using var command = connection.CreateCommand(transaction, "");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append($"(@t{i}, @k{i}, @n{i}, @p{i})");
                command.AddParameter($"@t{i}", chunk[i].GrainType)
                    .AddParameter($"@k{i}", chunk[i].GrainKey)
                    .AddParameter($"@n{i}", chunk[i].Output.Kind)
                    .AddParameter($"@p{i}", (string)chunk[i].Output.Value);
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
