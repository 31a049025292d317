using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Data.Database;

/// <summary>What differs between PostgreSQL and SQLite outside the bulk writer: address filters and the
/// fragments and values of the hand-written statistics SQL.</summary>
internal interface ISqlDialect
{
    DatabaseProvider Provider { get; }

    bool IsUniqueViolation(Exception exception);

    IQueryable<RecordEntity> WhereSourceIpIn(IQueryable<RecordEntity> records, IpNetwork network);

    IOrderedQueryable<RecordEntity> OrderBySourceIp(IQueryable<RecordEntity> records, bool descending);

    /// <summary>Seconds from <paramref name="earlier"/> to <paramref name="later"/> as a double-precision SQL expression.</summary>
    string Seconds(string later, string earlier);

    string Least(string a, string b);

    string Greatest(string a, string b);

    /// <summary>The 1-based position of <paramref name="search"/> in <paramref name="text"/>, 0 when absent.</summary>
    string Position(string text, string search);

    /// <summary>A double-precision 1.</summary>
    string One { get; }

    /// <summary>Settings for the statistics queries' read-only transaction, or null when the provider needs none.</summary>
    string? StatsSettings { get; }

    object TimestampValue(DateTimeOffset value);

    DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal);
}
