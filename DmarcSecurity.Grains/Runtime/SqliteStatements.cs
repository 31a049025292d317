using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>Commands for the silo's hand-written SQLite statements: statements run in-process, so rows are written one
/// prepared statement at a time, re-bound per row.</summary>
internal static class SqliteStatements
{
    public static SqliteCommand Command(DbConnection connection, DbTransaction? transaction, string sql) =>
        new(sql, (SqliteConnection)connection, (SqliteTransaction?)transaction);

    public static SqliteCommand Prepare(DbConnection connection, DbTransaction transaction, string sql, params string[] parameters)
    {
        var command = Command(connection, transaction, sql);
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }
}
