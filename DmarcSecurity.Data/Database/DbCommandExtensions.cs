using Microsoft.Data.Sqlite;

namespace DmarcSecurity.Data.Database;

/// <summary>Small helpers for hand-written SQL that runs on both providers (the grain runtime and its tables).</summary>
public static class DbCommandExtensions
{
    public static DbCommand CreateCommand(this DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbCommand AddParameter(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>A timestamp as the provider stores it: timestamp with time zone (UTC) on PostgreSQL, Unix
    /// milliseconds on SQLite (as the EF model's converter writes it).</summary>
    public static object TimestampValue(this DbConnection connection, DateTimeOffset value) =>
        connection is SqliteConnection ? value.ToUnixTimeMilliseconds() : value.ToUniversalTime();

    public static DateTimeOffset GetTimestamp(this DbDataReader reader, int ordinal) =>
        reader.GetFieldType(ordinal) == typeof(long)
            ? DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal))
            : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
