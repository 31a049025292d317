using Microsoft.Data.Sqlite;
using Npgsql;

namespace DmarcSecurity.Api.Common;

/// <summary>Tells a database that cannot be reached or cannot answer now (refused or dropped connections, timeouts, a
/// server shutting down, a locked SQLite file) from a request's own fault. The first is the caller's cue to retry:
/// 503 with <c>Retry-After</c>, never a 500 and never a file recorded as rejected.</summary>
internal static class DatabaseUnavailable
{
    public const int RetryAfterSeconds = 5;

    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CANTOPEN.
    private static readonly int[] s_sqliteUnavailable = [5, 6, 10, 14];

    public static bool Is(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true } or TimeoutException
                || (e is SqliteException sqlite && s_sqliteUnavailable.Contains(sqlite.SqliteErrorCode)))
            {
                return true;
            }
        }

        return false;
    }
}
